<?php
// Counters read before and after a timed batch of the page benchmark: CPU time of each server
// (a cpuacct cgroup per server: PHP-FPM, PostgreSQL, Redis, nginx; exact, and it counts the
// processes that ended meanwhile, such as a PostgreSQL backend per page) and Redis's INFO
// (commands by name with their server time, bytes in and out, reads and writes processed).

/** Reads and subtracts the counters. */
class bench_metrics {
    /** @var string|null host:port of the Redis under test */
    private $redis;

    /** @var string|null directory holding one cpuacct cgroup per server */
    private $cgroups;

    /** @var int bytes of the last INFO reply (what the reading itself adds to Redis's output) */
    private $lastinfobytes = 0;

    public function __construct(?string $redis, ?string $cgroups) {
        $this->redis = $redis ?: null;
        $this->cgroups = $cgroups ?: null;
    }

    /** The counters now. */
    public function read(): array {
        $cpu = [];
        foreach ($this->cgroups ? glob($this->cgroups . '/*/cpuacct.usage') : [] as $file) {
            $cpu[basename(dirname($file))] = (int)file_get_contents($file);
        }
        return ['cpu' => $cpu, 'redis' => $this->redis ? $this->redis_info() : null, 'infobytes' => $this->lastinfobytes];
    }

    /**
     * What happened between two readings: CPU nanoseconds per server, and Redis's work without the
     * readings' own (one INFO: its command, its request and the first reply, one write, and two
     * reads: the request and the end of the first reading's connection). Writes are replies sent,
     * the round trips (a reply of more than 64 KB takes more than one).
     */
    public function delta(array $before, array $after): array {
        $cpu = [];
        foreach ($after['cpu'] as $name => $ns) {
            $cpu[$name] = $ns - ($before['cpu'][$name] ?? $ns);
        }
        $redis = null;
        if ($before['redis'] && $after['redis']) {
            $b = $before['redis'];
            $a = $after['redis'];
            $commands = [];
            foreach ($a['commands'] as $name => [$calls, $usec]) {
                $calls -= $b['commands'][$name][0] ?? 0;
                $usec -= $b['commands'][$name][1] ?? 0;
                if ($name !== 'info' && $calls > 0) {
                    $commands[$name] = [$calls, $usec];
                }
            }
            $redis = [
                'commands' => $commands,
                'bytes_in' => $a['total_net_input_bytes'] - $b['total_net_input_bytes'] - strlen(self::INFO),
                'bytes_out' => $a['total_net_output_bytes'] - $b['total_net_output_bytes'] - $before['infobytes'],
                'reads' => $a['total_reads_processed'] - $b['total_reads_processed'] - 2,
                'writes' => $a['total_writes_processed'] - $b['total_writes_processed'] - 1,
            ];
        }
        return ['cpu_ns' => $cpu, 'redis' => $redis];
    }

    /** The request, as Redis's inline protocol takes it. */
    const INFO = "INFO all\r\n";

    /** INFO's counters: commands (name => [calls, usec]) and the stats this benchmark uses. */
    private function redis_info(): array {
        $sock = stream_socket_client('tcp://' . $this->redis, $errno, $error, 5);
        if (!$sock) {
            throw new RuntimeException("Redis at {$this->redis}: $error");
        }
        fwrite($sock, self::INFO);
        $header = (string)fgets($sock);
        if ($header === '' || $header[0] !== '$') {
            throw new RuntimeException("Redis at {$this->redis} answered INFO with: $header");
        }
        $length = (int)substr($header, 1);
        $text = '';
        while (strlen($text) < $length + 2 && !feof($sock)) {
            $text .= fread($sock, $length + 2 - strlen($text));
        }
        fclose($sock);
        $this->lastinfobytes = strlen($header) + strlen($text);
        $info = ['commands' => []];
        foreach (explode("\r\n", $text) as $line) {
            if (preg_match('/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/', $line, $m)) {
                $info['commands'][$m[1]] = [(int)$m[2], (int)$m[3]];
            } else if (preg_match('/^(total_net_input_bytes|total_net_output_bytes|total_reads_processed|'
                    . 'total_writes_processed):(\d+)/', $line, $m)) {
                $info[$m[1]] = (int)$m[2];
            }
        }
        return $info;
    }
}
