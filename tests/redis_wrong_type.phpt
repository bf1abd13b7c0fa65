--TEST--
RedisStore: a definition whose key holds another type (a string set by hand) is a miss for every read, with lastError() naming the call, the errors stat counted and one warning for the request
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) { $warnings[] = $msg; return true; });
$prefix = 'wrongtype_' . getmypid();
$s = mc_test_store(['near_cache' => false, 'prefix' => $prefix]);
mc_test_raw(['SET', '{' . $prefix . ':d}', 'not a hash']);
$calls = [
    'get' => fn() => $s->get('d', 'k'),
    'getMany' => fn() => $s->getMany('d', ['a', 'b']),
    'has' => fn() => $s->has('d', 'k'),
    'findAll' => fn() => $s->findAll('d'),
    'findByPrefix' => fn() => $s->findByPrefix('d', 'a'),
];
foreach ($calls as $name => $call) {
    $errors = $s->stats()['errors'];
    $result = $call();
    $error = (string)$s->lastError();
    printf("%s: %s; lastError names it: %s; WRONGTYPE: %s; errors +%d\n", $name, json_encode($result),
        str_starts_with($error, "$name:") ? 'yes' : "no ($error)", str_contains($error, 'WRONGTYPE') ? 'yes' : 'no',
        $s->stats()['errors'] - $errors);
}
echo count($warnings), " warning\n";
mc_test_raw(['DEL', '{' . $prefix . ':d}']);
?>
--EXPECT--
get: false; lastError names it: yes; WRONGTYPE: yes; errors +1
getMany: {"a":false,"b":false}; lastError names it: yes; WRONGTYPE: yes; errors +1
has: false; lastError names it: yes; WRONGTYPE: yes; errors +1
findAll: []; lastError names it: yes; WRONGTYPE: yes; errors +1
findByPrefix: []; lastError names it: yes; WRONGTYPE: yes; errors +1
1 warning
