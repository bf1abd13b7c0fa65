<?php
// Stand-in (not Moodle) version file, in Moodle 5.1's place.
$version  = 2099010100.00;
$release  = 'stand-in, not Moodle';
