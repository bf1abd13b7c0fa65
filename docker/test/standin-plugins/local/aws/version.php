<?php
// Stand-in (not local_aws): marks where the plugin goes in the code root.
$plugin->component = 'local_aws';
$plugin->version = 2099010100;
