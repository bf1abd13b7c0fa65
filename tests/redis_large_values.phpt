--TEST--
RedisStore: values of 8 MB and more round-trip, compressed or not
--SKIPIF--
<?php
require __DIR__ . '/skipif.inc';
if (getenv('MOODLECACHE_TEST_SANITIZER') === 'valgrind') die('skip 40 MB of values take too long under valgrind (the ASan run covers them)');
?>
--INI--
memory_limit=512M
--FILE--
<?php
require __DIR__ . '/config.inc';
$random = random_bytes(8 * 1024 * 1024 + 17);
$text = str_repeat("<p>Moodle course page with repeated text. </p>\n", 400000); // ~19 MB
$array = array_fill(0, 200000, 'forty bytes of text in every element...');
foreach (['none', 'zstd'] as $compression) {
    $s = mc_test_store(['compression' => $compression, 'read_timeout' => 10]);
    foreach (['random' => $random, 'text' => $text, 'array' => $array] as $name => $value) {
        $ok = $s->set('big', $name, $value);
        echo "$compression $name: set=", var_export($ok, true), " equal=", var_export($s->get('big', $name) === $value, true), "\n";
    }
    $many = $s->getMany('big', ['random', 'text']);
    echo "$compression getMany equal=", var_export($many['random'] === $random && $many['text'] === $text, true), "\n";
    $stats = $s->stats();
    echo "$compression sent ", $compression === 'zstd' ? ($stats['bytes_sent'] < 10 * 1024 * 1024 ? 'less' : 'more') : ($stats['bytes_sent'] > 27 * 1024 * 1024 ? 'more' : 'less'), " than the raw text\n";
    $s->purgeAll();
}
?>
--EXPECT--
none random: set=true equal=true
none text: set=true equal=true
none array: set=true equal=true
none getMany equal=true
none sent more than the raw text
zstd random: set=true equal=true
zstd text: set=true equal=true
zstd array: set=true equal=true
zstd getMany equal=true
zstd sent less than the raw text
