<?php
// A TCP proxy for the liveness test: forwards 127.0.0.1:LISTEN to
// 127.0.0.1:TARGET, and while the file STALL exists stops forwarding on
// every connection that has sent SUBSCRIBE (the near-cache listener's),
// in both directions, without closing anything: a partition, or a proxy
// that hangs, as the listener sees it.  Other connections keep working.
//   php stall-proxy.php LISTEN TARGET STALL READY
// READY is created once it listens.  Stops when its standard input ends
// (the test that started it is gone, however it ended), or by a signal.
declare(strict_types=1);

[, $listen, $target, $stall, $ready] = $argv;
$server = stream_socket_server("tcp://127.0.0.1:$listen", $errno, $errstr);
if (!$server) {
    fwrite(STDERR, "stall-proxy: cannot listen on $listen: $errstr\n");
    exit(1);
}
touch($ready);
$pairs = [];    // id => [client, upstream, subscriber?]
$next = 0;
while (true) {
    $stalled = file_exists($stall);
    $read = [$server, STDIN];
    foreach ($pairs as $p) {
        if (!($stalled && $p[2])) {
            $read[] = $p[0];
            $read[] = $p[1];
        }
    }
    $write = $except = null;
    if (@stream_select($read, $write, $except, 0, 20000) === false) {
        continue;
    }
    foreach ($read as $sock) {
        if ($sock === STDIN) {
            if (fread(STDIN, 4096) === '' && feof(STDIN)) {
                exit(0);
            }
            continue;
        }
        if ($sock === $server) {
            $c = @stream_socket_accept($server, 0);
            $u = $c ? @stream_socket_client("tcp://127.0.0.1:$target", $errno, $errstr, 2) : false;
            if ($c && $u) {
                $pairs[$next++] = [$c, $u, false];
            } elseif ($c) {
                fclose($c);
            }
            continue;
        }
        foreach ($pairs as $id => $p) {
            if ($sock !== $p[0] && $sock !== $p[1]) {
                continue;
            }
            $data = fread($sock, 65536);
            if ($data === '' || $data === false) {
                fclose($p[0]);
                fclose($p[1]);
                unset($pairs[$id]);
                break;
            }
            if ($sock === $p[0] && stripos($data, 'SUBSCRIBE') !== false) {
                $pairs[$id][2] = true;
            }
            $to = $sock === $p[0] ? $p[1] : $p[0];
            for ($off = 0; $off < strlen($data); $off += (int)$n) {
                $n = fwrite($to, substr($data, $off));
                if ($n === false) break;
            }
            break;
        }
    }
}
