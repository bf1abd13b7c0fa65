--TEST--
RedisStore: a value whose __serialize() writes to a cache is stored whole, and so is the inner write; the same store object refuses the re-entry
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'nested']);
$other = mc_test_store(['prefix' => 'nested']);
final class Writes
{
    public static $store;
    public function __construct(public string $name) {}
    public function __serialize(): array
    {
        self::$store->set('d', 'inner-' . $this->name, ['inner', str_repeat('i', 300)]);
        return ['name' => $this->name];
    }
    public function __unserialize(array $data): void { $this->name = $data['name']; }
}
Writes::$store = $other;
$outer = ['head' => str_repeat('o', 500), 'w' => new Writes('a'), 'tail' => range(1, 50)];
var_dump($s->set('d', 'outer', $outer));
var_dump($s->setMany('d', ['m1' => [new Writes('b'), 'x'], 'm2' => ['y', new Writes('c')]]));
var_dump($s->get('d', 'outer') == $outer);
var_dump($s->get('d', 'm1')[0]->name, $s->get('d', 'm2')[1]->name);
foreach (['a', 'b', 'c'] as $n) {
    var_dump($s->get('d', "inner-$n") === ['inner', str_repeat('i', 300)]);
}
// The same object while it serializes: an Error, and nothing half-written.
Writes::$store = $s;
try {
    $s->setMany('d', ['r1' => 'plain', 'r2' => [new Writes('r')]]);
} catch (Error $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
var_dump($s->get('d', 'r1'), $s->get('d', 'inner-r'), $s->get('d', 'outer') == $outer);
// The same for a read whose __unserialize() reads the same store: the Error
// it meets makes that value a miss (one warning), as any throwing unserialization.
final class Reads
{
    public static $store;
    public function __serialize(): array { return []; }
    public function __unserialize(array $d): void { self::$store->get('d', 'small'); }
}
$s->setMany('d', ['reads' => new Reads, 'plain' => [1]]);
Reads::$store = $s;
foreach ([fn() => $s->get('d', 'reads'), fn() => $s->getMany('d', ['plain', 'reads'])] as $read) {
    var_dump(@$read());
    echo $s->lastError(), "\n";
}
var_dump($s->get('d', 'plain'));
// A large value: the reused serialization buffer is let go, the next value is right.
$big = ['big' => str_repeat('z', 600000)];
var_dump($s->set('d', 'big', $big), $s->set('d', 'small', [1, 2, 3]));
var_dump($s->get('d', 'big') === $big, $s->get('d', 'small') === [1, 2, 3]);
$s->purgeAll();
?>
--EXPECT--
bool(true)
int(2)
bool(true)
string(1) "b"
string(1) "c"
bool(true)
bool(true)
bool(true)
Error: MoodleCache\RedisStore called from the (un)serialization of one of its own values; use another store object there
bool(false)
bool(false)
bool(true)
bool(false)
get: unreadable value for key 'reads' of 'd' (Error)
array(2) {
  ["plain"]=>
  array(1) {
    [0]=>
    int(1)
  }
  ["reads"]=>
  bool(false)
}
getMany: unreadable value for key 'reads' of 'd' (Error)
array(1) {
  [0]=>
  int(1)
}
bool(true)
bool(true)
bool(true)
bool(true)
