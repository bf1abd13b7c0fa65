<?php
// Makes the content of the page benchmark with Moodle's own generators, and prints what the
// benchmark requests as JSON: a course of tool_generator's test sizes (its users get a known
// password), then in that course a forum discussion with replies, a quiz with one attempt in
// progress per benchmark user, and a file resource displayed embedded in a page.
//
//   php bench-content.php --moodle=MOODLE_ROOT --size=S --users=8 --password=PW > content.json
//
// The first --users of the course's students log in; each has a quiz attempt of their own.

$opts = getopt('', ['moodle:', 'size:', 'users:', 'password:']);
define('CLI_SCRIPT', true);
require($opts['moodle'] . '/config.php');
require_once($CFG->dirroot . '/lib/phpunit/classes/util.php');
require_once($CFG->dirroot . '/mod/quiz/locallib.php');
require_once($CFG->libdir . '/resourcelib.php');
$CFG->noemailever = true; // Forum posts would mail their subscribers.

$size = $opts['size'] ?? 'S';
$nusers = (int)($opts['users'] ?? 8);
$CFG->tool_generator_users_password = $opts['password'];
\core\session\manager::set_user(get_admin());

/**
 * Imports five questions in GIFT format into a category; returns their ids.
 *
 * @param stdClass $category
 * @param stdClass $course
 * @return int[]
 */
function bench_import_gift(stdClass $category, stdClass $course): array {
    global $CFG;
    require_once($CFG->dirroot . '/question/format.php');
    require_once($CFG->dirroot . '/question/format/gift/format.php');
    $file = make_request_directory() . '/bench.gift.txt';
    file_put_contents($file, implode("\n\n", [
        '::Bench TF 1::Moodle caches live in MUC.{TRUE}',
        '::Bench short::Which server holds the application cache on EKS?{=Redis =Valkey}',
        '::Bench numeric::How many milliseconds in a second?{#1000:0}',
        '::Bench choice::Which store keeps a near cache?{=moodlecache ~file ~session ~request}',
        '::Bench TF 2::A near cache needs no network round trip for a repeated read.{TRUE}',
    ]) . "\n");
    $format = new qformat_gift();
    $format->setCategory($category);
    $format->setContexts([context::instance_by_id($category->contextid)]);
    $format->setCourse($course);
    $format->setFilename($file);
    $format->setRealfilename('bench.gift.txt');
    $format->setMatchgrades('error');
    $format->setCatfromfile(false);
    $format->setContextfromfile(false);
    $format->setStoponerror(true);
    ob_start(); // The import reports its progress as HTML.
    $ok = $format->importpreprocess() && $format->importprocess() && $format->importpostprocess();
    ob_end_clean();
    if (!$ok || count($format->questionids) !== 5) {
        throw new coding_exception('the GIFT import of the bench questions failed');
    }
    return $format->questionids;
}

/** Prints a progress line on stderr (stdout carries the JSON). */
function bench_say(string $message): void {
    fwrite(STDERR, "content: $message\n");
}

$t0 = microtime(true);
$shortname = 'bench_' . strtolower($size);
$backend = new tool_generator_course_backend($shortname, tool_generator_course_backend::size_for_name($size),
    true, 102400, false);
$courseid = $backend->make();
$course = get_course($courseid);
bench_say(sprintf("course %s (tool_generator size %s) made in %.0f s", $shortname, $size, microtime(true) - $t0));

$generator = phpunit_util::get_data_generator();
$users = array_values($DB->get_records_select('user', $DB->sql_like('username', '?'), ['tool_generator_%'],
    'username', 'id, username', 0, max($nusers, 10)));
// The smallest sizes have fewer students than clients: more, enrolled the same way.
for ($i = count($users) + 1; $i <= $nusers; $i++) {
    $user = $generator->create_user(['username' => "bench_student_$i", 'password' => $opts['password']]);
    $generator->enrol_user($user->id, $courseid, 'student');
    $users[] = (object)['id' => $user->id, 'username' => $user->username];
}

// A discussion with ten replies by ten students, as a busy course has.
$forumgen = $generator->get_plugin_generator('mod_forum');
$forum = $forumgen->create_instance(['course' => $courseid, 'name' => 'Bench forum']);
$discussion = $forumgen->create_discussion(['course' => $courseid, 'forum' => $forum->id,
    'userid' => $users[0]->id, 'name' => 'Bench discussion', 'message' => str_repeat('<p>Bench post text.</p>', 20)]);
$parent = $DB->get_field('forum_posts', 'id', ['discussion' => $discussion->id, 'parent' => 0], MUST_EXIST);
for ($i = 0; $i < 10; $i++) {
    $forumgen->create_post(['discussion' => $discussion->id, 'parent' => $parent,
        'userid' => $users[$i % count($users)]->id, 'message' => str_repeat("<p>Reply $i.</p>", 10)]);
}

// A quiz of five questions on one page, one attempt in progress per benchmark user. The questions
// come through Moodle's question import (GIFT), as a teacher adds them: the question generator
// needs PHPUnit's classes, which a site has not.
$category = $generator->get_plugin_generator('core_question')->create_question_category(
    ['contextid' => context_course::instance($courseid)->id]);
$quiz = $generator->get_plugin_generator('mod_quiz')->create_instance(['course' => $courseid, 'name' => 'Bench quiz',
    'questionsperpage' => 0, 'grade' => 100, 'sumgrades' => 5]);
foreach (bench_import_gift($category, $course) as $questionid) {
    quiz_add_quiz_question($questionid, $quiz);
}
$quizurls = [];
foreach (array_slice($users, 0, $nusers) as $user) {
    \core\session\manager::set_user($DB->get_record('user', ['id' => $user->id]));
    $quizobj = \mod_quiz\quiz_settings::create($quiz->id, $user->id);
    $quba = question_engine::make_questions_usage_by_activity('mod_quiz', $quizobj->get_context());
    $quba->set_preferred_behaviour($quizobj->get_quiz()->preferredbehaviour);
    $now = time();
    $attempt = quiz_create_attempt($quizobj, 1, false, $now, false, $user->id);
    quiz_start_new_attempt($quizobj, $quba, $attempt, 1, $now);
    $attempt = quiz_attempt_save_started($quizobj, $quba, $attempt);
    $quizurls[] = "/mod/quiz/attempt.php?attempt={$attempt->id}&cmid={$quiz->cmid}";
}
\core\session\manager::set_user(get_admin());

// A file resource shown embedded in its page (Moodle's default, "automatic", would send the file).
$resource = $generator->get_plugin_generator('mod_resource')->create_instance(['course' => $courseid,
    'name' => 'Bench resource', 'display' => RESOURCELIB_DISPLAY_EMBED]);

bench_say(sprintf("forum discussion, quiz with %d attempts and resource added; %.0f s in all",
    count($quizurls), microtime(true) - $t0));
echo json_encode([
    'moodle' => $CFG->release,
    'course' => ['id' => $courseid, 'shortname' => $shortname, 'size' => $size,
        'modules' => $DB->count_records('course_modules', ['course' => $courseid])],
    'users' => array_column(array_slice($users, 0, $nusers), 'username'),
    // Paths from wwwroot; "quiz" has one per user (each their own attempt).
    'pages' => [
        'front' => '/?redirect=0',
        'dashboard' => '/my/',
        'course' => "/course/view.php?id=$courseid",
        'forum' => "/mod/forum/discuss.php?d={$discussion->id}",
        'quiz' => $quizurls,
        'resource' => "/mod/resource/view.php?id={$resource->cmid}",
    ],
], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
