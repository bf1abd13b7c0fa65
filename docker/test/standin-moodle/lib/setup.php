<?php
// Stand-in (not Moodle): as in Moodle 5.1, the top-level lib/setup.php hands over to public/.
require_once(dirname(__DIR__) . '/public/lib/setup.php');
