--TEST--
RedisStore: set then get returns every kind of serializable value unchanged
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$obj = new stdClass;
$obj->name = 'course';
$obj->list = [1, 2, 3];
$values = [
    'string' => 'hello',
    'empty string' => '',
    'int' => 42,
    'negative int' => PHP_INT_MIN,
    'float' => 3.25,
    'true' => true,
    'null' => null,
    'array' => ['a' => 1, 'b' => [true, 'x']],
    'object' => $obj,
    'numeric string' => '0123',
];
foreach ($values as $name => $value) {
    $ok = $s->set('core/config', $name, $value);
    $back = $s->get('core/config', $name);
    printf("%-15s set=%s same=%s\n", $name, var_export($ok, true), var_export($back == $value && gettype($back) === gettype($value), true));
}
var_dump($s->get('core/config', 'numeric string'));
var_dump($s->get('core/config', 'never set'));
$s->set('core/config', 'string', 'replaced');
var_dump($s->get('core/config', 'string'));
var_dump($s->lastError());
$stats = $s->stats();
var_dump($stats['hits'], $stats['misses'], $stats['sets']);
$s->purgeAll();
?>
--EXPECT--
string          set=true same=true
empty string    set=true same=true
int             set=true same=true
negative int    set=true same=true
float           set=true same=true
true            set=true same=true
null            set=true same=true
array           set=true same=true
object          set=true same=true
numeric string  set=true same=true
string(4) "0123"
bool(false)
string(8) "replaced"
NULL
int(12)
int(1)
int(11)
