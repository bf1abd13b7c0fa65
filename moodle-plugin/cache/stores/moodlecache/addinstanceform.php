<?php
// This file is part of Moodle - http://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <http://www.gnu.org/licenses/>.

/**
 * The form to add or edit a moodlecache store instance.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/lib.php');

/**
 * Add-instance form: every option of the extension, each offered only when the loaded extension has it.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class cachestore_moodlecache_addinstance_form extends cachestore_addinstance_form {
    /**
     * Builds the store's part of the form.
     */
    protected function configuration_definition() {
        $form = $this->_form;
        $component = 'cachestore_moodlecache';
        $defaults = cachestore_moodlecache::config_fields();

        $message = cachestore_moodlecache::get_requirements_message();
        if ($message !== null) {
            $form->addElement('static', 'requirements', '', html_writer::div($message, 'alert alert-warning'));
        }

        $backends = [cachestore_moodlecache::BACKEND_REDIS => get_string('backend_redis', $component)];
        if (cachestore_moodlecache::extension_has('memcached')) {
            $backends[cachestore_moodlecache::BACKEND_MEMCACHED] = get_string('backend_memcached', $component);
        }
        $form->addElement('select', 'backend', get_string('backend', $component), $backends);
        $form->addHelpButton('backend', 'backend', $component);
        $form->setType('backend', PARAM_ALPHA);
        $form->setDefault('backend', $defaults['backend']);

        $form->addElement('textarea', 'server', get_string('server', $component), ['cols' => 40, 'rows' => 4]);
        $form->addHelpButton('server', 'server', $component);
        $form->setType('server', PARAM_TEXT);
        $form->addRule('server', get_string('required'), 'required');

        $this->add_checkbox('cluster', cachestore_moodlecache::extension_has('cluster'));
        $form->hideIf('cluster', 'backend', 'eq', cachestore_moodlecache::BACKEND_MEMCACHED);
        $this->add_checkbox('readfromreplicas', cachestore_moodlecache::extension_has('readfromreplicas'));
        $form->hideIf('readfromreplicas', 'cluster', 'notchecked');

        $this->add_checkbox('tls', true);
        $form->addElement('text', 'cafile', get_string('cafile', $component), ['size' => 40]);
        $form->addHelpButton('cafile', 'cafile', $component);
        $form->setType('cafile', PARAM_RAW_TRIMMED);
        $form->hideIf('cafile', 'tls', 'notchecked');

        $form->addElement('text', 'username', get_string('username', $component), ['size' => 20]);
        $form->addHelpButton('username', 'username', $component);
        $form->setType('username', PARAM_RAW_TRIMMED);

        $form->addElement('passwordunmask', 'password', get_string('password', $component));
        $form->addHelpButton('password', 'password', $component);
        $form->setType('password', PARAM_RAW);

        $form->addElement('text', 'database', get_string('database', $component), ['size' => 4]);
        $form->addHelpButton('database', 'database', $component);
        $form->setType('database', PARAM_INT);
        $form->setDefault('database', $defaults['database']);
        foreach (['tls', 'username', 'password', 'database'] as $field) {
            $form->hideIf($field, 'backend', 'eq', cachestore_moodlecache::BACKEND_MEMCACHED);
        }

        $form->addElement('text', 'prefix', get_string('prefix', $component), ['size' => 16]);
        $form->addHelpButton('prefix', 'prefix', $component);
        $form->setType('prefix', PARAM_TEXT); // Text, limited by the rule below.
        $form->addRule('prefix', get_string('prefixinvalid', $component), 'regex', '#^[a-zA-Z0-9\-_]*$#');

        $form->addElement('select', 'serializer', get_string('serializer', $component),
            cachestore_moodlecache::config_get_serializer_options());
        $form->addHelpButton('serializer', 'serializer', $component);
        $form->setType('serializer', PARAM_ALPHA);
        $form->setDefault('serializer', $defaults['serializer']);

        $form->addElement('select', 'compression', get_string('compression', $component),
            cachestore_moodlecache::config_get_compression_options());
        $form->addHelpButton('compression', 'compression', $component);
        $form->setType('compression', PARAM_ALPHA);
        $form->setDefault('compression', $defaults['compression']);

        foreach (['compressionlevel', 'compressionthreshold'] as $field) {
            $form->addElement('text', $field, get_string($field, $component), ['size' => 8]);
            $form->addHelpButton($field, $field, $component);
            $form->setType($field, PARAM_INT);
            $form->setDefault($field, $defaults[$field]);
            $form->hideIf($field, 'compression', 'eq', 'none');
        }

        foreach (['connecttimeout', 'readtimeout'] as $field) {
            $form->addElement('text', $field, get_string($field, $component), ['size' => 6]);
            $form->addHelpButton($field, $field, $component);
            $form->setType($field, PARAM_FLOAT);
            $form->setDefault($field, $defaults[$field]);
        }

        $this->add_checkbox('nearcache', cachestore_moodlecache::extension_has('nearcache'));
        $form->hideIf('nearcache', 'backend', 'eq', cachestore_moodlecache::BACKEND_MEMCACHED);
        $form->addElement('textarea', 'nearcacheexclude', get_string('nearcacheexclude', $component),
            ['cols' => 40, 'rows' => 3]);
        $form->addHelpButton('nearcacheexclude', 'nearcacheexclude', $component);
        $form->setType('nearcacheexclude', PARAM_TEXT);
        $form->hideIf('nearcacheexclude', 'nearcache', 'notchecked');

        foreach (['lockwait', 'locktimeout'] as $field) {
            $form->addElement('text', $field, get_string($field, $component), ['size' => 6]);
            $form->addHelpButton($field, $field, $component);
            $form->setType($field, PARAM_INT);
            $form->setDefault($field, $defaults[$field]);
        }
    }

    /**
     * Adds a checkbox, disabled with a note when the loaded extension lacks the feature.
     *
     * @param string $field
     * @param bool $available
     */
    protected function add_checkbox(string $field, bool $available): void {
        $form = $this->_form;
        $component = 'cachestore_moodlecache';
        $note = $available ? '' : get_string('featureunavailable', $component);
        $form->addElement('advcheckbox', $field, get_string($field, $component), $note,
            $available ? [] : ['disabled' => 'disabled']);
        $form->addHelpButton($field, $field, $component);
        $form->setType($field, PARAM_BOOL);
    }

    /**
     * Checks the store's fields, and that the extension accepts the resulting options.
     *
     * @param array $data
     * @param array $files
     * @param array $errors errors found so far
     * @return array
     */
    protected function configuration_validation($data, $files, array $errors) {
        $component = 'cachestore_moodlecache';
        $newerrors = [];
        $data += cachestore_moodlecache::config_fields();
        $servers = cachestore_moodlecache::parse_servers((string)$data['server'], $data['backend'], !empty($data['tls']));
        if (!$servers) {
            $newerrors['server'] = get_string('required');
        } else if ($data['backend'] === cachestore_moodlecache::BACKEND_REDIS && empty($data['cluster'])
                && count($servers) > 1) {
            $newerrors['server'] = get_string('serveronlyone', $component);
        }
        if ((int)$data['compressionlevel'] < 1 || (int)$data['compressionlevel'] > 22) {
            $newerrors['compressionlevel'] = get_string('compressionlevelinvalid', $component);
        }
        foreach (['compressionthreshold', 'database', 'lockwait'] as $field) {
            if ((int)$data[$field] < 0) {
                $newerrors[$field] = get_string('mustbenonnegative', $component);
            }
        }
        foreach (['connecttimeout', 'readtimeout', 'locktimeout'] as $field) {
            if ((float)$data[$field] <= 0) {
                $newerrors[$field] = get_string('mustbepositive', $component);
            }
        }
        if (!$newerrors && cachestore_moodlecache::are_requirements_met()) {
            $config = cachestore_moodlecache::config_get_configuration_array((object)$data);
            try {
                $class = $data['backend'] === cachestore_moodlecache::BACKEND_MEMCACHED ?
                    '\MoodleCache\MemcachedStore' : '\MoodleCache\RedisStore';
                new $class(cachestore_moodlecache::build_extension_options($config));
            } catch (\Throwable $e) {
                $newerrors['server'] = get_string('optionsrejected', $component, $e->getMessage());
            }
        }
        return $newerrors;
    }
}
