--TEST--
Near cache: entries filled under one identity are never served to another (another ACL user, no password, another password); the same identity shares them
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$server = mc_test_start_redis();
$port = $server[1];
foreach (['u1' => 'pw1', 'u2' => 'pw2'] as $user => $pw) {
    mc_test_raw(['ACL', 'SETUSER', $user, 'on', ">$pw", '~*', '&*', '+@all'], $port);
}
$opts = ['server' => "tcp://127.0.0.1:$port"];
$u1 = nc_store('nc_ident_', $opts + ['username' => 'u1', 'password' => 'pw1']);
nc_ready($u1);
$u1->set('d', 'k', 'secret');
// the write installed its value, served once its announcement is back; when the listener applied
// the announcement before the worker installed it, the first get fills instead
$u1->nearCacheSync(5.0);
$u1->get('d', 'k');
$u1->get('d', 'k');
echo "u1 served from memory: ", $u1->stats()['near_hits'] >= 1 ? 'yes' : 'no', "\n";
$others = [
    'u2' => $opts + ['username' => 'u2', 'password' => 'pw2'],
    'no password' => $opts,
    'u1, another password' => $opts + ['username' => 'u1', 'password' => 'wrong'],
    'u1 again' => $opts + ['username' => 'u1', 'password' => 'pw1'],
];
foreach ($others as $who => $o) {
    $s = nc_store('nc_ident_', $o);
    $s->nearCacheSync(5.0);
    $v = @$s->get('d', 'k');
    printf("%s: %s, near hit: %s\n", $who, var_export($v, true), $s->stats()['near_hits'] ? 'yes' : 'no');
}
mc_test_stop_redis($server);
?>
--EXPECT--
u1 served from memory: yes
u2: 'secret', near hit: no
no password: 'secret', near hit: no
u1, another password: false, near hit: no
u1 again: 'secret', near hit: yes
