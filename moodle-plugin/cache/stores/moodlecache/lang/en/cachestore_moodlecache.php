<?php
// This file is part of Moodle - http://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <http://www.gnu.org/licenses/>.

/**
 * English strings of the moodlecache cache store.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['backend'] = 'Backend';
$string['backend_help'] = 'The server this store talks to. Redis covers Redis, Valkey and Amazon ElastiCache for Redis/Valkey (single server or cluster). Memcached covers Memcached and Amazon ElastiCache for Memcached; Moodle removed its own Memcached store in 4.2. Memcached is offered only when the loaded moodlecache extension has it.';
$string['backend_memcached'] = 'Memcached';
$string['backend_redis'] = 'Redis / Valkey';
$string['cafile'] = 'CA file';
$string['cafile_help'] = 'Path of a PEM file with the certificate authorities that sign the server\'s TLS certificate. Empty: the system\'s trusted authorities.';
$string['cluster'] = 'Redis Cluster';
$string['cluster_help'] = 'Connect to a Redis Cluster (or ElastiCache with cluster mode enabled). List one or more seed nodes under Server(s); the store finds the others.';
$string['compression'] = 'Compression';
$string['compression_help'] = 'Compress values of at least the threshold size with zstd before they are sent. The extension does this in C; values written with any setting can be read with any other.';
$string['compression_none'] = 'None';
$string['compression_zstd'] = 'zstd';
$string['compressionlevel'] = 'Compression level';
$string['compressionlevel_help'] = 'zstd level, 1 (fastest) to 22 (smallest). 3 is zstd\'s default.';
$string['compressionlevelinvalid'] = 'The level must be between 1 and 22.';
$string['compressionthreshold'] = 'Compression threshold (bytes)';
$string['compressionthreshold_help'] = 'Values smaller than this many bytes are stored uncompressed.';
$string['connecttimeout'] = 'Connect timeout (seconds)';
$string['connecttimeout_help'] = 'How long to wait for a connection. A server that does not answer makes the cache miss; the page still works.';
$string['database'] = 'Database number';
$string['database_help'] = 'The Redis database number (SELECT). Redis Cluster has only database 0.';
$string['extensionmissing'] = 'The moodlecache PHP extension is not loaded. Install it (version {$a} or later) and enable it for the web server and the command line: see the plugin\'s README.';
$string['extensiontooold'] = 'The moodlecache PHP extension {$a->found} is too old: this plugin needs version {$a->required} or later.';
$string['featureunavailable'] = 'Not available: the loaded moodlecache extension does not have this feature.';
$string['locktimeout'] = 'Lock timeout (seconds)';
$string['locktimeout_help'] = 'A lock nobody released (a crashed request) expires after this long.';
$string['lockwait'] = 'Lock wait (seconds)';
$string['lockwait_help'] = 'How long a request waits for a cache lock held by another request before giving up.';
$string['mustbenonnegative'] = 'Must be 0 or more.';
$string['mustbepositive'] = 'Must be more than 0.';
$string['nearcache'] = 'Near cache';
$string['nearcache_help'] = 'Keep recently read values in shared memory on this web server, so repeated reads cost no network round trip. Every change a web server makes is announced to the others (Redis Pub/Sub) in the same round trip, so each drops exactly the keys that changed; a server that cannot be proven reachable within 250 ms is not trusted and reads go to Redis. Needs the PHP setting moodlecache.near_cache_size (the container image sets it). Every store instance sharing a key prefix must have the same setting.';
$string['nearcacheexclude'] = 'Definitions without near cache';
$string['nearcacheexclude_help'] = 'Cache definition ids (for example core/config), one per line, whose values should always be read from the server. Changes to them are not announced either: list definitions written on most requests whose values are read once.';
$string['nearcacheoff'] = 'The near cache of this store is not in use on this web server: {$a}. Reads go to Redis.';
$string['nodestats'] = 'moodlecache: this web server\'s figures';
$string['nodestats_desc'] = 'Summed over every PHP worker of the web server that served this page (in a cluster, each server has its own). A worker adds its figures when a request ends.';
$string['nodestats_link'] = 'Reads, near cache hits, round trips and errors of every store on this web server';
$string['nodestats_nearcache'] = 'Near cache (shared memory of this web server)';
$string['nodestats_none'] = 'No moodlecache store has been used on this web server yet.';
$string['nodestats_stores'] = 'Stores';
$string['nodestats_trusted'] = 'Near cache in use';
$string['optionsrejected'] = 'The moodlecache extension rejected this configuration: {$a}';
$string['password'] = 'Password';
$string['password_help'] = 'The Redis password (AUTH), or the ACL user\'s password when a username is set.';
$string['pluginname'] = 'moodlecache (Redis / Memcached)';
$string['prefix'] = 'Key prefix';
$string['prefix_help'] = 'Keeps this store\'s keys apart from other stores on the same server. A hash of this site\'s identifier is always added, so two Moodle sites sharing a server and a prefix never see or purge each other\'s data.';
$string['prefixinvalid'] = 'Invalid prefix. You can only use a-z A-Z 0-9 - _.';
$string['privacy:metadata:moodlecache'] = 'The moodlecache store sends cached data to a Redis or Memcached server, where it stays until it expires or is purged.';
$string['privacy:metadata:moodlecache:data'] = 'The various data stored in the cache';
$string['readfromreplicas'] = 'Read from replicas';
$string['readfromreplicas_help'] = 'In a cluster, send reads to replica nodes as well as primaries. Reads may then briefly return older values.';
$string['readtimeout'] = 'Read timeout (seconds)';
$string['readtimeout_help'] = 'How long to wait for a reply. A reply that does not come makes the call a cache miss.';
$string['requirements'] = 'Requirements';
$string['serializer'] = 'Serializer';
$string['serializer_help'] = 'How PHP values are turned into bytes. igbinary is smaller and faster; it is offered only when the extension was built with it.';
$string['serializer_igbinary'] = 'igbinary';
$string['serializer_php'] = 'PHP serializer';
$string['server'] = 'Server(s)';
$string['server_help'] = 'One server per line. Redis: host, host:port (6379 by default), tls://host:port, unix:///path/to/socket or /path/to/socket. Redis Cluster: one or more seed nodes. Memcached: host or host:port (11211 by default), one line per server.';
$string['serveronlyone'] = 'Give one server, or turn on Redis Cluster for several.';
$string['test_server'] = 'Test server(s)';
$string['test_server_desc'] = 'Server(s) of the test instance, in the same form as for a store instance.';
$string['testinstance'] = 'Test instance';
$string['testinstance_desc'] = 'The store used by the cache performance page (Site administration > Plugins > Caching > Test performance). Leave the server empty to skip it.';
$string['tls'] = 'Use TLS';
$string['tls_help'] = 'Encrypt the connection (ElastiCache in-transit encryption). The server\'s certificate is verified.';
$string['username'] = 'Username';
$string['username_help'] = 'The Redis ACL user (Redis 6+, ElastiCache RBAC). Leave empty to authenticate with the password only.';
