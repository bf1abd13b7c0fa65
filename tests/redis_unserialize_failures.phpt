--TEST--
RedisStore: a value whose unserialization throws (a stored Closure) or fails (nested deeper than unserialize allows) is a miss with lastError() set and one warning, never an exception or PHP's own warning, in get and getMany
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) { $warnings[] = $msg; return true; });
$prefix = 'unser_' . getmypid();
$s = mc_test_store(['near_cache' => false, 'prefix' => $prefix]);
$tag = '{' . $prefix . ':d}';
mc_test_raw(['HSET', $tag, 'closure', mc_test_frame('O:7:"Closure":0:{}')]);
$deep = [];
for ($i = 0; $i < 5000; $i++) $deep = [$deep];
var_dump($s->set('d', 'deep', $deep));
$s->set('d', 'good', 'fine');
try {
    var_dump($s->get('d', 'closure'));
    echo preg_replace("/'[^']*'/", 'X', (string)$s->lastError()), "\n";
    var_dump($s->get('d', 'deep'));
    echo preg_replace("/'[^']*'/", 'X', (string)$s->lastError()), "\n";
    var_dump($s->getMany('d', ['closure', 'good', 'deep']));
    echo preg_replace("/'[^']*'/", 'X', (string)$s->lastError()), "\n";
} catch (Throwable $e) {
    echo "threw ", get_class($e), ": ", $e->getMessage(), "\n";
}
echo count($warnings), " warning\n";
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(false)
get: unreadable value for key X of X (Exception)
bool(false)
get: unreadable value for key X of X (ErrorException)
array(3) {
  ["closure"]=>
  bool(false)
  ["good"]=>
  string(4) "fine"
  ["deep"]=>
  bool(false)
}
getMany: unreadable value for key X of X (ErrorException)
1 warning
