<?php
// The load client of the page benchmark: users log in through Moodle's login form, then request
// the pages; the server's CPU (cgroup cpuacct) and Redis's counters (INFO) are read before and
// after each timed batch. Appends one JSON line per batch to --out.
//
//   php bench-client.php --base=URL --content=content.json --password=PW --out=FILE
//       --meta='{"store":"redis","net":"+0"}' [--redis=HOST:PORT] [--cgroups=DIR] [--pages=front,course]
//       --mode=single --warmup=2 --count=10
//           one user; per page: warm-up requests, then the timed ones (one line per page)
//       --mode=concurrent --clients=4 --seconds=15 --warmup=1
//           N users at once, each cycling through the pages from its own starting page for the
//           window, after warm-up passes (one line for the batch)
// Exit 1 when a request fails (not 200, not a whole page, or not logged in), saying which.

require(__DIR__ . '/bench-metrics.php');

$opts = getopt('', ['base:', 'content:', 'password:', 'out:', 'meta:', 'redis:', 'cgroups:', 'mode:',
    'warmup:', 'count:', 'clients:', 'seconds:', 'pages:']);
$content = json_decode(file_get_contents($opts['content']), true);
if (!empty($opts['pages'])) {
    $content['pages'] = array_intersect_key($content['pages'], array_flip(explode(',', $opts['pages'])));
}
$meta = json_decode($opts['meta'] ?? '{}', true);
$metrics = new bench_metrics($opts['redis'] ?? null, $opts['cgroups'] ?? null);
$warmup = (int)($opts['warmup'] ?? 2);

/** One logged-in user's HTTP session (keep-alive, cookies in memory). */
class bench_user {
    /** @var CurlHandle */
    private $curl;

    public function __construct(private string $base, public string $username) {
        $this->curl = curl_init();
        curl_setopt_array($this->curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_COOKIEFILE => '',
            CURLOPT_TIMEOUT => 120, CURLOPT_ENCODING => '']);
    }

    /** Requests a path; returns [milliseconds, status, body, final URL]. */
    public function request(string $path, ?array $post = null, bool $follow = false): array {
        curl_setopt_array($this->curl, [CURLOPT_URL => $this->base . $path, CURLOPT_FOLLOWLOCATION => $follow,
            CURLOPT_POST => $post !== null]);
        if ($post !== null) {
            curl_setopt($this->curl, CURLOPT_POSTFIELDS, http_build_query($post));
        } else {
            curl_setopt($this->curl, CURLOPT_HTTPGET, true);
        }
        $t0 = hrtime(true);
        $body = curl_exec($this->curl);
        $ms = (hrtime(true) - $t0) / 1e6;
        return [$ms, curl_getinfo($this->curl, CURLINFO_RESPONSE_CODE), (string)$body,
            curl_getinfo($this->curl, CURLINFO_EFFECTIVE_URL)];
    }

    /** Logs in through the login form, as a browser does. */
    public function login(string $password): void {
        [, $status, $body] = $this->request('/login/index.php');
        if ($status !== 200 || !preg_match('/name="logintoken" value="([^"]*)"/', $body, $m)) {
            throw new RuntimeException("login form of {$this->base}: status $status, no logintoken");
        }
        [, $status, $body, $url] = $this->request('/login/index.php',
            ['username' => $this->username, 'password' => $password, 'logintoken' => $m[1], 'anchor' => ''], true);
        if ($status !== 200 || str_contains($url, '/login/index.php') || !str_contains($body, 'login/logout.php')) {
            throw new RuntimeException("{$this->username} could not log in: status $status at $url");
        }
    }

    /** Requests a page and checks it is a whole page for this logged-in user; returns milliseconds. */
    public function page(string $name, string $path): float {
        [$ms, $status, $body, $url] = $this->request($path);
        if ($status !== 200 || !str_contains($body, '</html>') || !str_contains($body, 'login/logout.php')) {
            $why = $status === 200 ? 'not a whole page of a logged-in user' : "status $status";
            throw new RuntimeException("$name ($path) for {$this->username}: $why at $url\n" . substr($body, 0, 300));
        }
        return $ms;
    }
}

/** The benchmark's pages for user number $i: name => path (each user has their own quiz attempt). */
function bench_pages(array $content, int $i): array {
    $pages = [];
    foreach ($content['pages'] as $name => $path) {
        $pages[$name] = is_array($path) ? $path[$i] : $path;
    }
    return $pages;
}

/** Writes one line of results. */
function bench_write(string $file, array $record): void {
    file_put_contents($file, json_encode($record, JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
}

/** One user, page by page: warm-up, then timed requests between two readings of the counters. */
function bench_single(array $opts, array $content, array $meta, bench_metrics $metrics, int $warmup): void {
    $user = new bench_user($opts['base'], $content['users'][0]);
    $user->login($opts['password']);
    $count = (int)($opts['count'] ?? 10);
    foreach (bench_pages($content, 0) as $name => $path) {
        for ($i = 0; $i < $warmup; $i++) {
            $user->page($name, $path);
        }
        $before = $metrics->read();
        $t0 = hrtime(true);
        $times = [];
        for ($i = 0; $i < $count; $i++) {
            $times[] = round($user->page($name, $path), 3);
        }
        $wall = (hrtime(true) - $t0) / 1e9;
        bench_write($opts['out'], $meta + ['mode' => 'single', 'clients' => 1, 'page' => $name, 'requests' => $count,
            'wall_s' => round($wall, 4), 'times' => [$name => $times]] + $metrics->delta($before, $metrics->read()));
    }
}

/** N users at once for a time window; one child process per user, started together. */
function bench_concurrent(array $opts, array $content, array $meta, bench_metrics $metrics, int $warmup): void {
    $clients = (int)$opts['clients'];
    $seconds = (float)($opts['seconds'] ?? 15);
    if ($clients > count($content['users'])) {
        throw new RuntimeException("$clients clients, but the content has " . count($content['users']) . ' users');
    }
    $children = [];
    for ($c = 0; $c < $clients; $c++) {
        [$parent, $child] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $pid = pcntl_fork();
        if ($pid === 0) {
            fclose($parent);
            exit(bench_concurrent_child($opts, $content, $c, $child, $warmup, $seconds));
        }
        fclose($child);
        $children[$pid] = $parent;
    }
    $failed = [];
    foreach ($children as $pid => $sock) {
        $line = trim((string)fgets($sock));
        if ($line !== 'ready') {
            $failed[] = $line ?: "client $pid ended before it was ready";
        }
    }
    if ($failed) {
        bench_reap($children);
        throw new RuntimeException(implode("\n", $failed));
    }
    $before = $metrics->read();
    $t0 = hrtime(true);
    foreach ($children as $sock) {
        fwrite($sock, "go\n");
    }
    $times = [];
    foreach ($children as $pid => $sock) {
        $result = json_decode((string)stream_get_contents($sock), true);
        if (!is_array($result) || isset($result['error'])) {
            $failed[] = $result['error'] ?? "client $pid ended without results";
            continue;
        }
        foreach ($result as $page => $list) {
            $times[$page] = array_merge($times[$page] ?? [], $list);
        }
    }
    $wall = (hrtime(true) - $t0) / 1e9;
    $after = $metrics->read();
    bench_reap($children);
    if ($failed) {
        throw new RuntimeException(implode("\n", $failed));
    }
    $requests = array_sum(array_map('count', $times));
    bench_write($opts['out'], $meta + ['mode' => 'concurrent', 'clients' => $clients, 'page' => '*',
        'requests' => $requests, 'wall_s' => round($wall, 4), 'times' => $times] + $metrics->delta($before, $after));
}

/** A concurrent client: log in, warm up, say ready, wait for go, run the window, send the times. */
function bench_concurrent_child(array $opts, array $content, int $c, $sock, int $warmup, float $seconds): int {
    $ready = false;
    try {
        $user = new bench_user($opts['base'], $content['users'][$c]);
        $user->login($opts['password']);
        $pages = bench_pages($content, $c);
        for ($i = 0; $i < $warmup; $i++) {
            foreach ($pages as $name => $path) {
                $user->page($name, $path);
            }
        }
        fwrite($sock, "ready\n");
        $ready = true;
        if (trim((string)fgets($sock)) !== 'go') {
            return 1; // The batch was called off.
        }
        $deadline = hrtime(true) + (int)($seconds * 1e9);
        $names = array_keys($pages);
        $times = [];
        // Each client starts at its own page, so the mix at any moment is varied.
        for ($i = $c; hrtime(true) < $deadline; $i++) {
            $name = $names[$i % count($names)];
            $times[$name][] = round($user->page($name, $pages[$name]), 3);
        }
        fwrite($sock, json_encode($times));
        return 0;
    } catch (Throwable $e) {
        $error = "client $c: " . $e->getMessage();
        fwrite($sock, $ready ? json_encode(['error' => $error]) : str_replace("\n", ' ', $error) . "\n");
        return 1;
    }
}

/** Calls off what is left of the batch and waits for every child. */
function bench_reap(array $children): void {
    foreach ($children as $sock) {
        fclose($sock);
    }
    foreach (array_keys($children) as $pid) {
        pcntl_waitpid($pid, $status);
    }
}

try {
    if (($opts['mode'] ?? '') === 'single') {
        bench_single($opts, $content, $meta, $metrics, $warmup);
    } else if (($opts['mode'] ?? '') === 'concurrent') {
        bench_concurrent($opts, $content, $meta, $metrics, $warmup);
    } else {
        throw new RuntimeException('--mode must be single or concurrent');
    }
} catch (Throwable $e) {
    fwrite(STDERR, 'bench-client: ' . $e->getMessage() . "\n");
    exit(1);
}
