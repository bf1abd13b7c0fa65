--TEST--
Near cache: a command-line process has none by default (moodlecache.near_cache_enable_cli=0, as APCu) but still announces its changes to the nodes that have one
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_cli_' . getmypid() . '_';
$b = nc_store($p);
nc_ready($b);
$b->set('d', 'k', 'v1');
$b->nearCacheSync();
var_dump($b->get('d', 'k'), $b->get('d', 'k'));
// a cron run: the CLI defaults, the same store options
echo nc_other_node('$a = nc_store(' . var_export($p, true) . '); $a->set("d", "k", "from cron");'
    . 'echo "cron: near_enabled=", var_export($a->stats()["near_enabled"], true), "\n";',
    [], ['moodlecache.near_cache_enable_cli' => '0']);
var_dump($b->nearCacheSync());
var_dump($b->get('d', 'k'));
$b->purgeAll();
?>
--EXPECT--
string(2) "v1"
string(2) "v1"
cron: near_enabled=false
bool(true)
string(9) "from cron"
