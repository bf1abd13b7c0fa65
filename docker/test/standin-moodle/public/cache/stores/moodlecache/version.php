<?php
// Stand-in (not Moodle) placeholder for cachestore_moodlecache; the image build
// replaces it with moodle-plugin/cache/stores/moodlecache when that exists.
$plugin->component = 'cachestore_moodlecache';
$plugin->version = 2099010100;
