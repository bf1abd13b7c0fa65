<?php

/** @generate-class-entries */

namespace MoodleCache;

/**
 * Thrown for configuration errors: a bad option value, or a feature this
 * build does not have. Network failures never throw: they are misses.
 */
class Exception extends \RuntimeException
{
}

/**
 * The figures of every store of this node, summed over all processes that
 * share it (the workers of a PHP-FPM pool): reads, hits and misses, near
 * cache hits and misses, writes, round trips, errors, reconnects, bytes,
 * and for each store with a near cache whether it is trusted now; plus the
 * near cache's own figures (fills, invalidations, evictions, bytes).  For
 * metrics endpoints and admin pages: labels carry no password.
 */
function nodeStats(): array {}
