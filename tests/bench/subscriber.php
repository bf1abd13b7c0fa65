<?php
// Stands for another web node's near-cache listener in tests/bench/write-cost.sh:
// subscribes to a channel and reads whatever comes, in large reads, until it
// is killed.  Redis delivers every announcement to it as to a listener, so
// the server's cost per write can be measured with more nodes than this
// machine runs.  Prints "subscribed" once Redis confirmed.
//
//   php subscriber.php PORT CHANNEL
declare(strict_types=1);

[$port, $channel] = [(int)($argv[1] ?? 0), (string)($argv[2] ?? '')];
if ($port <= 0 || $channel === '') {
    fwrite(STDERR, "usage: php subscriber.php PORT CHANNEL\n");
    exit(2);
}
$sock = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 3);
if ($sock === false) {
    fwrite(STDERR, "subscriber.php: cannot connect to 127.0.0.1:$port: $error\n");
    exit(1);
}
fwrite($sock, sprintf("*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n", strlen($channel), $channel));
$reply = '';
while (substr_count($reply, "\r\n") < 6) {     // *3, $9, subscribe, $n, the channel, :1
    $chunk = fread($sock, 4096);
    if ($chunk === false || $chunk === '') {
        fwrite(STDERR, "subscriber.php: no reply to SUBSCRIBE\n");
        exit(1);
    }
    $reply .= $chunk;
}
echo "subscribed\n";
while (!feof($sock)) {
    fread($sock, 65536);
}
