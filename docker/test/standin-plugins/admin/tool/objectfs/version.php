<?php
// Stand-in (not tool_objectfs): marks where the plugin goes in the code root.
$plugin->component = 'tool_objectfs';
$plugin->version = 2099010100;
