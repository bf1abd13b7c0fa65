--TEST--
Near cache: the shared mapping is committed as it is used: a 256M near cache costs a few MB of RSS at start, unless moodlecache.near_cache_prefault asks for all of it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!is_readable('/proc/self/status')) die('skip no /proc');
if (getenv('MOODLECACHE_TEST_SANITIZER')) die('skip sanitizers change the memory figures'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
// the write installed its value, served once its announcement is back; when the listener applied
// the announcement before the worker installed it, the first get fills instead
$code = '$s = nc_store("nc_rss_" . getmypid()); nc_ready($s); $s->set("d", "k", "v"); $s->nearCacheSync(5.0); $s->get("d", "k"); $s->get("d", "k");'
    . 'preg_match("/VmRSS:\s+(\d+) kB/", file_get_contents("/proc/self/status"), $m);'
    . 'echo json_encode(["rss_mb" => intdiv((int)$m[1], 1024), "hits" => $s->stats()["near_hits"], "total" => $s->stats()["near_bytes_total"]]);';
$lazy = json_decode(nc_other_node($code, [], ['moodlecache.near_cache_size' => '256M']), true);
$eager = json_decode(nc_other_node($code, [], ['moodlecache.near_cache_size' => '256M', 'moodlecache.near_cache_prefault' => '1']), true);
echo "size: ", $lazy['total'] >> 20, " MB, served from memory: ", $lazy['hits'] >= 1 ? 'yes' : 'no', "\n";
echo $lazy['rss_mb'] < 64 ? "lazy: under 64 MB of RSS\n" : "lazy: {$lazy['rss_mb']} MB of RSS\n";
echo $eager['rss_mb'] >= 256 ? "prefaulted: all of it\n" : "prefaulted: only {$eager['rss_mb']} MB\n";
?>
--EXPECT--
size: 256 MB, served from memory: yes
lazy: under 64 MB of RSS
prefaulted: all of it
