<?php
// A TCP proxy for the resend test: forwards 127.0.0.1:LISTEN to
// 127.0.0.1:TARGET, except that a request holding MATCH is run on the
// server and then the client's connection is closed before the reply is
// passed on: a server that executed a command and closed, as the client
// sees it (EOF before any reply byte).  Once only, unless --always.
//   php closing-proxy.php LISTEN TARGET MATCH READY [--always]
// READY is created once it listens.  Stopped by its PID.
declare(strict_types=1);

[, $listen, $target, $match, $ready] = $argv;
$always = in_array('--always', $argv, true);
$server = stream_socket_server("tcp://127.0.0.1:$listen", $errno, $errstr);
if (!$server) {
    fwrite(STDERR, "closing-proxy: cannot listen on $listen: $errstr\n");
    exit(1);
}
touch($ready);
$pairs = [];
$done = false;
while (true) {
    $read = [$server];
    foreach ($pairs as $p) {
        $read[] = $p[0];
        $read[] = $p[1];
    }
    $write = $except = null;
    if (@stream_select($read, $write, $except, 1) === false) {
        continue;
    }
    foreach ($read as $sock) {
        if ($sock === $server) {
            $c = @stream_socket_accept($server, 0);
            $u = $c ? @stream_socket_client("tcp://127.0.0.1:$target", $errno, $errstr, 2) : false;
            if ($c && $u) {
                $pairs[] = [$c, $u];
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
            if ($sock === $c && str_contains($data, $match) && (!$done || $always)) {
                fwrite($u, $data);
                fread($u, 65536);           // the server ran it; its reply is dropped
                fclose($c);
                fclose($u);
                unset($pairs[$id]);
                $done = true;
                break;
            }
            fwrite($sock === $c ? $u : $c, $data);
            break;
        }
    }
}
