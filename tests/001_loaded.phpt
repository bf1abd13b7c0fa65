--TEST--
The extension loads and declares its classes and phpinfo() section
--SKIPIF--
<?php if (!extension_loaded('moodlecache')) die('skip moodlecache not loaded'); ?>
--FILE--
<?php
var_dump(class_exists('MoodleCache\RedisStore'));
var_dump(is_subclass_of('MoodleCache\Exception', 'RuntimeException'));
$r = new ReflectionClass('MoodleCache\RedisStore');
var_dump($r->isFinal());
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
var_dump(str_contains($info, 'moodlecache support => enabled'));
var_dump((bool)preg_match('/zstd \(run time\) => \d+\.\d+\.\d+/', $info));
try {
    serialize(new MoodleCache\RedisStore(['server' => 'tcp://127.0.0.1:1']));
} catch (Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
try {
    $s = new MoodleCache\RedisStore(['server' => 'tcp://127.0.0.1:1']);
    clone $s;
} catch (Error $e) {
    echo get_class($e), "\n";
}
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
Exception: Serialization of 'MoodleCache\RedisStore' is not allowed
Error
