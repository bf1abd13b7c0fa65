--TEST--
FileLocks: four processes incrementing a shared counter under the lock never lose an update
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$counter = "$dir/counter";
file_put_contents($counter, '0');
$procs = 4; $rounds = mc_locks_rounds(250);
$pids = [];
for ($p = 0; $p < $procs; $p++) {
    [$pid, $ch] = mc_locks_fork(function ($ch) use ($dir, $counter, $rounds) {
        $l = new MoodleCache\FileLocks($dir);
        for ($i = 0; $i < $rounds; $i++) {
            if (!$l->acquire('counter', 30)) { fwrite($ch, "timeout\n"); return 1; }
            $v = (int)file_get_contents($counter);
            file_put_contents($counter, (string)($v + 1));
            $l->release('counter');
        }
        fwrite($ch, "done\n");
        return 0;
    });
    $pids[$pid] = $ch;
}
foreach ($pids as $pid => $ch) {
    echo mc_locks_read_line($ch, 120), "\n";
    pcntl_waitpid($pid, $status);
}
var_dump((int)file_get_contents($counter) === $procs * $rounds);
?>
--EXPECT--
done
done
done
done
bool(true)
