/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: bb100cfe860fea7ac33144aa914d0de9c40d21f0 */

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_MoodleCache_FileLocks___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, directory, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_acquire, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "0.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_release, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_releaseAll, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_FileLocks_isLocked arginfo_class_MoodleCache_FileLocks_release

#define arginfo_class_MoodleCache_FileLocks_holds arginfo_class_MoodleCache_FileLocks_release

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_owner, 0, 1, IS_ARRAY, 1)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_FileLocks_forceRelease arginfo_class_MoodleCache_FileLocks_release

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_lockFile, 0, 1, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_FileLocks_stats, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_METHOD(MoodleCache_FileLocks, __construct);
ZEND_METHOD(MoodleCache_FileLocks, acquire);
ZEND_METHOD(MoodleCache_FileLocks, release);
ZEND_METHOD(MoodleCache_FileLocks, releaseAll);
ZEND_METHOD(MoodleCache_FileLocks, isLocked);
ZEND_METHOD(MoodleCache_FileLocks, holds);
ZEND_METHOD(MoodleCache_FileLocks, owner);
ZEND_METHOD(MoodleCache_FileLocks, forceRelease);
ZEND_METHOD(MoodleCache_FileLocks, lockFile);
ZEND_METHOD(MoodleCache_FileLocks, stats);


static const zend_function_entry class_MoodleCache_FileLocks_methods[] = {
	ZEND_ME(MoodleCache_FileLocks, __construct, arginfo_class_MoodleCache_FileLocks___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, acquire, arginfo_class_MoodleCache_FileLocks_acquire, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, release, arginfo_class_MoodleCache_FileLocks_release, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, releaseAll, arginfo_class_MoodleCache_FileLocks_releaseAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, isLocked, arginfo_class_MoodleCache_FileLocks_isLocked, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, holds, arginfo_class_MoodleCache_FileLocks_holds, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, owner, arginfo_class_MoodleCache_FileLocks_owner, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, forceRelease, arginfo_class_MoodleCache_FileLocks_forceRelease, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, lockFile, arginfo_class_MoodleCache_FileLocks_lockFile, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_FileLocks, stats, arginfo_class_MoodleCache_FileLocks_stats, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};

static zend_class_entry *register_class_MoodleCache_FileLocks(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "MoodleCache", "FileLocks", class_MoodleCache_FileLocks_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NO_DYNAMIC_PROPERTIES|ZEND_ACC_NOT_SERIALIZABLE;

	return class_entry;
}
