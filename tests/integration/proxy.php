<?php
// A TCP proxy for the tests that need a network that misbehaves: forwards
// 127.0.0.1:LISTEN to 127.0.0.1:TARGET, and
//   --stall FILE   while FILE exists, stops forwarding (both ways, nothing
//                  closed) on every connection that has sent SUBSCRIBE: the
//                  near-cache listener's subscription goes silent, as in a
//                  partition or behind a proxy that hangs;
//   --close MATCH  the first request holding MATCH is run on the server,
//                  then the client's connection is closed before the reply
//                  is passed on: a server that ran a command and closed.
//   --close-all MATCH  the same for every request holding MATCH (a resend
//                  on a new connection too): such a call always fails.
//   php proxy.php [--stall FILE] [--close MATCH | --close-all MATCH] LISTEN TARGET READY
// READY is created once it listens.  Stops when its standard input ends
// (the test that started it is gone, however it ended), or by its PID.
declare(strict_types=1);

$o = getopt('', ['stall:', 'close:', 'close-all:'], $rest);
[$listen, $target, $ready] = array_slice($argv, $rest);
$stall = $o['stall'] ?? null;
$close = $o['close'] ?? $o['close-all'] ?? null;
$once = !isset($o['close-all']);
$server = stream_socket_server("tcp://127.0.0.1:$listen", $errno, $errstr);
if (!$server) {
    fwrite(STDERR, "proxy: cannot listen on $listen: $errstr\n");
    exit(1);
}
touch($ready);

function write_all($to, string $data): void
{
    for ($off = 0; $off < strlen($data); $off += (int)$n) {
        $n = fwrite($to, substr($data, $off));
        if ($n === false || $n === 0) return;
    }
}

$pairs = [];    // [client, upstream, subscriber?]
while (true) {
    $stalled = $stall !== null && file_exists($stall);
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
                $pairs[] = [$c, $u, false];
            } elseif ($c) {
                fclose($c);
            }
            continue;
        }
        foreach ($pairs as $id => [$c, $u]) {
            if ($sock !== $c && $sock !== $u) {
                continue;
            }
            $data = fread($sock, 65536);
            if ($data === '' || $data === false) {
                fclose($c);
                fclose($u);
                unset($pairs[$id]);
                break;
            }
            if ($sock === $c && stripos($data, 'SUBSCRIBE') !== false) {
                $pairs[$id][2] = true;
            }
            if ($sock === $c && $close !== null && str_contains($data, $close)) {
                write_all($u, $data);
                fread($u, 65536);           // the server ran it; its reply is dropped
                fclose($c);
                fclose($u);
                unset($pairs[$id]);
                if ($once) $close = null;
                break;
            }
            write_all($sock === $c ? $u : $c, $data);
            break;
        }
    }
}
