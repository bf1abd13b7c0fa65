<?php
// Stand-in (not Moodle) front page.
header('Location: login/index.php');
