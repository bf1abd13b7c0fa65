<?php
// Moodle conventions no sniff in Debian's php-codesniffer checks (moodle-cs is not packaged):
// GPL header, @package, no closing tag, MOODLE_INTERNAL where required, lower-case variable
// names, a PHPDoc block on every class and function, sorted language strings.
//
//   php style-check.php FILE...      prints "file:line: problem" lines; exits 1 if any

const GPL = "<?php\n// This file is part of Moodle - http://moodle.org/\n//\n"
    . "// Moodle is free software: you can redistribute it and/or modify\n";
const SUPERGLOBALS = ['CFG', 'DB', 'PAGE', 'OUTPUT', 'USER', 'SITE', 'COURSE', 'SESSION', 'ADMIN', 'FULLME', 'ME',
    '_SERVER', '_GET', '_POST', '_COOKIE', '_FILES', '_ENV', '_REQUEST', '_SESSION', 'GLOBALS', 'this'];

$problems = 0;
$report = function (string $file, int $line, string $message) use (&$problems) {
    echo "$file:$line: $message\n";
    $problems++;
};

foreach (array_slice($argv, 1) as $file) {
    $code = file_get_contents($file);
    $base = basename($file);
    $inlang = str_contains($file, '/lang/');
    if (!str_starts_with($code, GPL)) {
        $report($file, 1, 'missing the GPL header of Moodle files');
    }
    if (!preg_match('/^\s*\*\s*@package\s+\w+/m', $code)) {
        $report($file, 1, 'no @package tag');
    }
    if (preg_match('/\?>\s*$/', $code)) {
        $report($file, substr_count($code, "\n"), 'closing ?> tag');
    }
    $needsinternal = in_array($base, ['version.php', 'settings.php'], true) || $inlang || str_contains($file, '/db/');
    if ($needsinternal && !str_contains($code, "defined('MOODLE_INTERNAL') || die();")) {
        $report($file, 1, "needs defined('MOODLE_INTERNAL') || die();");
    }
    $tokens = token_get_all($code);
    $lastdoc = null;
    $seensignificant = false;
    foreach ($tokens as $i => $token) {
        if (!is_array($token)) {
            if (trim($token) !== '') {
                $lastdoc = $token === '{' || $token === '}' || $token === ';' ? null : $lastdoc;
            }
            continue;
        }
        [$id, $text, $line] = $token;
        if ($id === T_VARIABLE) {
            $name = substr($text, 1);
            if (!in_array($name, SUPERGLOBALS, true) && !preg_match('/^[a-z][a-z0-9]*$/', $name)) {
                $report($file, $line, "variable \$$name: Moodle wants lower case letters and digits only");
            }
        } else if ($id === T_DOC_COMMENT) {
            $lastdoc = $line;
        } else if ($id === T_CLASS || $id === T_INTERFACE || $id === T_TRAIT || $id === T_FUNCTION) {
            // A closure (function followed by "(") or an anonymous class needs no docblock.
            $j = $i + 1;
            while (isset($tokens[$j]) && is_array($tokens[$j]) && $tokens[$j][0] === T_WHITESPACE) {
                $j++;
            }
            $named = isset($tokens[$j]) && is_array($tokens[$j]) && $tokens[$j][0] === T_STRING;
            $prev = $i - 1;
            while ($prev >= 0 && is_array($tokens[$prev]) && $tokens[$prev][0] === T_WHITESPACE) {
                $prev--;
            }
            $isconst = $prev >= 0 && is_array($tokens[$prev]) && in_array($tokens[$prev][0], [T_DOUBLE_COLON, T_NEW], true);
            if ($named && !$isconst && $lastdoc === null) {
                $report($file, $line, 'no PHPDoc block before ' . $tokens[$j][1]);
            }
            if ($named) {
                $lastdoc = null;
            }
        } else if (!in_array($id, [T_WHITESPACE, T_COMMENT, T_PUBLIC, T_PROTECTED, T_PRIVATE, T_STATIC, T_ABSTRACT,
                T_FINAL, T_READONLY, T_ATTRIBUTE], true)) {
            if ($id !== T_STRING || $lastdoc === null) {
                $lastdoc = in_array($id, [T_OPEN_TAG], true) ? null : ($id === T_STRING ? $lastdoc : null);
            }
        }
    }
    if ($inlang) {
        preg_match_all("/^\\\$string\\['([^']+)'\\]/m", $code, $m);
        $sorted = $m[1];
        sort($sorted, SORT_STRING);
        if ($sorted !== $m[1]) {
            $report($file, 1, 'language strings are not in alphabetical order');
        }
    }
}
exit($problems ? 1 : 0);
