<?php
// Stand-in (not Moodle) for lib/setup.php: sets the paths Moodle would, gives
// a database connection, and fakes the two Moodle APIs the image's scripts use
// (core_component::get_plugin_directory and core_cache\config_writer), the
// latter recording its state in moodledata/muc/standin-cache-config.json.

namespace core_cache {
    class store {
        const MODE_APPLICATION = 1;
        const MODE_SESSION = 2;
        const MODE_REQUEST = 4;
    }

    class config_writer {
        private string $file;
        private array $state;

        public static function instance(): self {
            return new self();
        }

        private function __construct() {
            global $CFG;
            $this->file = $CFG->dataroot . '/muc/standin-cache-config.json';
            $this->state = is_file($this->file)
                ? json_decode(file_get_contents($this->file), true)
                : ['stores' => ['default_application' => ['plugin' => 'file', 'configuration' => [], 'modes' => 3],
                                'default_request' => ['plugin' => 'static', 'configuration' => [], 'modes' => 4]],
                   'modemappings' => [['mode' => 1, 'store' => 'default_application', 'sort' => 0],
                                      ['mode' => 2, 'store' => 'default_application', 'sort' => 0],
                                      ['mode' => 4, 'store' => 'default_request', 'sort' => 0]]];
        }

        private function save(): void {
            @mkdir(dirname($this->file), 02770, true);
            file_put_contents($this->file, json_encode($this->state, JSON_PRETTY_PRINT));
        }

        public function get_all_stores(): array {
            return $this->state['stores'];
        }

        public function get_mode_mappings(): array {
            return $this->state['modemappings'];
        }

        public function add_store_instance($name, $plugin, array $configuration = []): bool {
            if (isset($this->state['stores'][$name])) {
                throw new \Exception('Duplicate name');
            }
            $this->state['stores'][$name] = ['plugin' => $plugin, 'configuration' => $configuration,
                'modes' => store::MODE_APPLICATION | store::MODE_SESSION];
            $this->save();
            return true;
        }

        public function edit_store_instance($name, $plugin, $configuration): bool {
            $this->state['stores'][$name]['configuration'] = $configuration;
            $this->save();
            return true;
        }

        public function set_mode_mappings(array $modemappings): bool {
            $rows = [];
            foreach ($modemappings as $mode => $stores) {
                foreach (array_values($stores) as $sort => $store) {
                    if (!isset($this->state['stores'][$store])) {
                        throw new \Exception("unknown store $store");
                    }
                    $rows[] = ['mode' => $mode, 'store' => $store, 'sort' => $sort];
                }
            }
            $this->state['modemappings'] = $rows;
            $this->save();
            return true;
        }
    }
}

namespace {
    global $CFG;
    $CFG->dirroot = dirname(__DIR__);
    $CFG->libdir = $CFG->dirroot . '/lib';

    class core_component {
        public static function get_plugin_directory(string $type, string $name): ?string {
            global $CFG;
            $types = ['cachestore' => 'cache/stores', 'cachelock' => 'cache/locks'];
            return isset($types[$type]) ? "$CFG->dirroot/{$types[$type]}/$name" : null;
        }
    }

    /** A PostgreSQL connection from $CFG (the stand-in knows no other database). */
    function standin_db() {
        global $CFG;
        if ($CFG->dbtype !== 'pgsql') {
            throw new Exception('the stand-in only speaks pgsql');
        }
        $conn = pg_connect(sprintf("host='%s' port=%d dbname='%s' user='%s' password='%s'", $CFG->dbhost,
            $CFG->dboptions['dbport'], $CFG->dbname, $CFG->dbuser, $CFG->dbpass), PGSQL_CONNECT_FORCE_NEW);
        if (!$conn) {
            throw new Exception('stand-in: cannot connect to the database');
        }
        return $conn;
    }
}
