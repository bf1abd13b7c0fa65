<?php
// Lock workloads for the multi-process / multi-node tests and the benchmark.
// Run with the extension loaded:  php -d extension=modules/moodlecache.so worker.php COMMAND ...
//
//   contend DIR KEY ROUNDS COUNTER [MODE]  increment COUNTER under the lock ROUNDS times
//   hold DIR KEY [MODE] [LEASE_MS]         take the lock, print "held PID", sleep until killed
//   wait DIR KEY TIMEOUT [MODE] [LEASE_MS] print "acquired|timeout SECONDS UNIXTIME" (time spent in acquire, time after)
//   owner DIR KEY [MODE]                   print the owner record as JSON (null when free)
//   force DIR KEY [MODE]                   forceRelease, print "forced|free"
//   bench DIR IMPL N [STATS]               N uncontended acquire+release cycles; prints JSON, with
//                                          EFS operations per cycle when STATS is the simulator's counter file
//   bench-contend DIR IMPL N HOLD_MS       N cycles of wait, hold HOLD_MS, release (run several at once)
//
// The host name in owner records comes from $NODE_NAME when set, so that
// simulated nodes on one machine look like different hosts.

declare(strict_types=1);

function locks(string $dir, string $mode = 'auto', int $leasems = 0, array $extra = []): MoodleCache\FileLocks {
    $opts = ['mode' => $mode] + $extra;
    if ($leasems > 0) {
        $opts['lease_ms'] = $leasems;
    }
    if (getenv('NODE_NAME')) {
        $opts['host'] = getenv('NODE_NAME');
    }
    return new MoodleCache\FileLocks($dir, $opts);
}

/** Moodle's MUC file lock (cachelock_file) as it works today: an O_EXCL lock file, unlinked to release. */
final class muc_file_lock {
    private array $held = [];
    public function __construct(private string $dir) {
    }
    public function lock(string $key): bool {
        $file = $this->dir . '/' . $key . '.lock';
        $h = @fopen($file, 'xb');
        if ($h === false) {
            return false;
        }
        fclose($h);
        $this->held[$key] = $file;
        return true;
    }
    public function unlock(string $key): bool {
        if (!isset($this->held[$key])) {
            return false;
        }
        @unlink($this->held[$key]);
        unset($this->held[$key]);
        return true;
    }
}

/** Moodle's core file_lock_factory as it works today: flock() on dataroot/lock/xx/md5, retried every 10-250 ms. */
final class core_flock_lock {
    public function __construct(private string $dir) {
    }
    /** @return resource|false */
    public function get_lock(string $resource, int $timeout) {
        $giveup = time() + $timeout;
        $hash = md5('bench_' . $resource);
        $lockdir = $this->dir . '/' . substr($hash, 0, 2);
        if (!is_dir($lockdir) && !@mkdir($lockdir, 0777, true) && !is_dir($lockdir)) {
            return false;
        }
        $h = fopen($lockdir . '/' . $hash, 'wb');
        if (!$h) {
            return false;
        }
        do {
            $wouldblock = 0;
            $locked = flock($h, LOCK_EX | LOCK_NB, $wouldblock);
            if (!$locked && $wouldblock && $timeout > 0) {
                usleep(random_int(10000, 250000));
            }
        } while (!$locked && $wouldblock && time() < $giveup);
        if (!$locked) {
            fclose($h);
            return false;
        }
        return $h;
    }
    /** @param resource $h */
    public function release_lock($h): bool {
        $r = flock($h, LOCK_UN);
        fclose($h);
        return $r;
    }
}

function percentile(array $sorted, float $p): float {
    $i = (int)min(count($sorted) - 1, max(0, (int)ceil($p * count($sorted)) - 1));
    return $sorted[$i];
}

$cmd = $argv[1] ?? '';
switch ($cmd) {
    case 'contend':
        [, , $dir, $key, $rounds, $counter] = $argv;
        $l = locks($dir, $argv[6] ?? 'auto');
        $t0 = microtime(true);
        $maxwait = 0.0;
        for ($i = 0; $i < (int)$rounds; $i++) {
            $w = microtime(true);
            if (!$l->acquire($key, 60.0)) {
                fwrite(STDERR, "contend: acquire timed out after 60 s in round $i\n");
                exit(1);
            }
            $maxwait = max($maxwait, microtime(true) - $w);
            // Read-modify-write with no atomicity of its own: only the lock
            // keeps two writers apart.
            // (No truncation: the number only grows, and ext4 would flush
            // on close after a truncate, slowing the run for nothing.)
            $h = fopen($counter, 'c+');
            $v = $h === false ? false : fread($h, 64);
            if ($v === false || !rewind($h) || fwrite($h, (string)((int)$v + 1)) === false || !fclose($h)) {
                fwrite(STDERR, "contend: cannot update $counter\n");
                exit(1);
            }
            if (!$l->release($key)) {
                fwrite(STDERR, "contend: release failed in round $i\n");
                exit(1);
            }
        }
        $s = $l->stats();
        echo json_encode(['rounds' => (int)$rounds, 'seconds' => round(microtime(true) - $t0, 3),
            'max_wait_ms' => round($maxwait * 1000, 1), 'attempts' => $s['attempts'],
            'busy_attempts' => $s['busy_attempts'], 'stale_taken' => $s['stale_taken'], 'lost' => $s['lost'],
            'mode' => $s['mode'], 'filesystem' => $s['filesystem']]), "\n";
        break;

    case 'hold':
        $l = locks($argv[2], $argv[4] ?? 'auto', (int)($argv[5] ?? 0));
        if (!$l->acquire($argv[3], 30.0)) {
            echo "not held\n";
            exit(1);
        }
        echo 'held ', getmypid(), "\n";
        while (true) {
            sleep(1);
        }

    case 'wait':
        $l = locks($argv[2], $argv[5] ?? 'auto', (int)($argv[6] ?? 0));
        $t = microtime(true);
        $ok = $l->acquire($argv[3], (float)$argv[4]);
        printf("%s %.3f %.6f\n", $ok ? 'acquired' : 'timeout', microtime(true) - $t, microtime(true));
        break;

    case 'owner':
        $l = locks($argv[2], $argv[4] ?? 'auto');
        echo json_encode($l->owner($argv[3])), "\n";
        break;

    case 'force':
        $l = locks($argv[2], $argv[4] ?? 'auto');
        echo $l->forceRelease($argv[3]) ? "forced\n" : "free\n";
        break;

    case 'bench':
        [, , $dir, $impl, $n] = $argv;
        $n = (int)$n;
        $statsfile = $argv[5] ?? null;
        $ops = function () use ($statsfile): ?int {
            if ($statsfile === null || !preg_match('/^total (\d+)$/m', (string)file_get_contents($statsfile), $m)) {
                return null;
            }
            return (int)$m[1];
        };
        $key = 'core_cron_task_bench';
        $times = [];
        switch ($impl) {
            case 'moodlecache':
            case 'moodlecache-lean':
            case 'moodlecache-lease':
                $extra = $impl === 'moodlecache-lean' ? ['owner_record' => false, 'verify_reuse' => false] : [];
                $l = locks($dir, $impl === 'moodlecache-lease' ? 'lease' : 'ofd', 0, $extra);
                $l->acquire($key);   // warm-up: directory and descriptor
                $l->release($key);
                $ops0 = $ops();
                for ($i = 0; $i < $n; $i++) {
                    $t = hrtime(true);
                    if (!$l->acquire($key) || !$l->release($key)) {
                        fwrite(STDERR, "bench: $impl cycle $i failed\n");
                        exit(1);
                    }
                    $times[] = (hrtime(true) - $t) / 1e6;
                }
                break;
            case 'muc-file':
                $l = new muc_file_lock($dir);
                $l->lock($key);
                $l->unlock($key);
                $ops0 = $ops();
                for ($i = 0; $i < $n; $i++) {
                    $t = hrtime(true);
                    if (!$l->lock($key) || !$l->unlock($key)) {
                        fwrite(STDERR, "bench: $impl cycle $i failed\n");
                        exit(1);
                    }
                    $times[] = (hrtime(true) - $t) / 1e6;
                }
                break;
            case 'core-flock':
                $l = new core_flock_lock($dir);
                $l->release_lock($l->get_lock($key, 0));
                $ops0 = $ops();
                for ($i = 0; $i < $n; $i++) {
                    $t = hrtime(true);
                    $h = $l->get_lock($key, 0);
                    if ($h === false || !$l->release_lock($h)) {
                        fwrite(STDERR, "bench: $impl cycle $i failed\n");
                        exit(1);
                    }
                    $times[] = (hrtime(true) - $t) / 1e6;
                }
                break;
            default:
                fwrite(STDERR, "bench: unknown implementation $impl\n");
                exit(2);
        }
        $ops1 = $ops();
        sort($times);
        echo json_encode(['impl' => $impl, 'n' => $n,
            'ops_per_cycle' => $ops0 === null || $ops1 === null ? null : round(($ops1 - $ops0) / $n, 2), 'mean_ms' => round(array_sum($times) / $n, 3),
            'p50_ms' => round(percentile($times, 0.5), 3), 'p99_ms' => round(percentile($times, 0.99), 3)]), "\n";
        break;

    case 'bench-contend':
        // N cycles of: wait for the lock, hold it HOLD_MS, release. Several of
        // these run at once on several nodes; the driver measures throughput.
        [, , $dir, $impl, $n, $holdms] = $argv;
        $key = 'core_cron_task_contended';
        $ok = 0;
        $failed = 0;
        $t0 = microtime(true);
        for ($i = 0; $i < (int)$n; $i++) {
            switch ($impl) {
                case 'moodlecache':
                    $l ??= locks($dir, 'ofd');
                    $got = $l->acquire($key, 60.0);
                    $release = fn() => $l->release($key);
                    break;
                case 'muc-file':
                    // cachelock_file's blocking lock(): retry every 1-50 ms, 100 attempts.
                    $l ??= new muc_file_lock($dir);
                    $got = false;
                    for ($a = 0; $a <= 100 && !($got = $l->lock($key)); $a++) {
                        usleep(random_int(1000, 50000));
                    }
                    $release = fn() => $l->unlock($key);
                    break;
                case 'core-flock':
                    $l ??= new core_flock_lock($dir);
                    $h = $l->get_lock($key, 60);
                    $got = $h !== false;
                    $release = fn() => $l->release_lock($h);
                    break;
                default:
                    fwrite(STDERR, "bench-contend: unknown implementation $impl\n");
                    exit(2);
            }
            if (!$got) {
                $failed++;
                continue;
            }
            usleep((int)$holdms * 1000);
            $release();
            $ok++;
        }
        echo json_encode(['impl' => $impl, 'ok' => $ok, 'failed' => $failed, 'seconds' => round(microtime(true) - $t0, 3)]), "\n";
        break;

    default:
        fwrite(STDERR, "usage: worker.php contend|hold|wait|owner|force|bench|bench-contend ...\n");
        exit(2);
}
