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
