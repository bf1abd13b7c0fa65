/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 2359dee0360e874663a7adc840496b97a6f3cddc */

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_MoodleCache_MemcachedStore___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, options, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_get, 0, 2, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_getMany, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_set, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, value, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ttl, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_setMany, 0, 2, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, items, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ttl, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_delete, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_deleteMany, 0, 2, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_MemcachedStore_has arginfo_class_MoodleCache_MemcachedStore_delete

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_hasAny, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_MemcachedStore_hasAll arginfo_class_MoodleCache_MemcachedStore_hasAny

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_purge, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_purgeAll, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_findAll, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_findByPrefix, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, prefix, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_acquireLock, 0, 4, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, ttlMs, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_releaseLock, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_checkLockState, 0, 3, _IS_BOOL, 1)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_stats, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_MemcachedStore_lastError, 0, 0, IS_STRING, 1)
ZEND_END_ARG_INFO()


ZEND_METHOD(MoodleCache_MemcachedStore, __construct);
ZEND_METHOD(MoodleCache_MemcachedStore, get);
ZEND_METHOD(MoodleCache_MemcachedStore, getMany);
ZEND_METHOD(MoodleCache_MemcachedStore, set);
ZEND_METHOD(MoodleCache_MemcachedStore, setMany);
ZEND_METHOD(MoodleCache_MemcachedStore, delete);
ZEND_METHOD(MoodleCache_MemcachedStore, deleteMany);
ZEND_METHOD(MoodleCache_MemcachedStore, has);
ZEND_METHOD(MoodleCache_MemcachedStore, hasAny);
ZEND_METHOD(MoodleCache_MemcachedStore, hasAll);
ZEND_METHOD(MoodleCache_MemcachedStore, purge);
ZEND_METHOD(MoodleCache_MemcachedStore, purgeAll);
ZEND_METHOD(MoodleCache_MemcachedStore, findAll);
ZEND_METHOD(MoodleCache_MemcachedStore, findByPrefix);
ZEND_METHOD(MoodleCache_MemcachedStore, acquireLock);
ZEND_METHOD(MoodleCache_MemcachedStore, releaseLock);
ZEND_METHOD(MoodleCache_MemcachedStore, checkLockState);
ZEND_METHOD(MoodleCache_MemcachedStore, stats);
ZEND_METHOD(MoodleCache_MemcachedStore, lastError);


static const zend_function_entry class_MoodleCache_MemcachedStore_methods[] = {
	ZEND_ME(MoodleCache_MemcachedStore, __construct, arginfo_class_MoodleCache_MemcachedStore___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, get, arginfo_class_MoodleCache_MemcachedStore_get, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, getMany, arginfo_class_MoodleCache_MemcachedStore_getMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, set, arginfo_class_MoodleCache_MemcachedStore_set, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, setMany, arginfo_class_MoodleCache_MemcachedStore_setMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, delete, arginfo_class_MoodleCache_MemcachedStore_delete, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, deleteMany, arginfo_class_MoodleCache_MemcachedStore_deleteMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, has, arginfo_class_MoodleCache_MemcachedStore_has, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, hasAny, arginfo_class_MoodleCache_MemcachedStore_hasAny, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, hasAll, arginfo_class_MoodleCache_MemcachedStore_hasAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, purge, arginfo_class_MoodleCache_MemcachedStore_purge, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, purgeAll, arginfo_class_MoodleCache_MemcachedStore_purgeAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, findAll, arginfo_class_MoodleCache_MemcachedStore_findAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, findByPrefix, arginfo_class_MoodleCache_MemcachedStore_findByPrefix, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, acquireLock, arginfo_class_MoodleCache_MemcachedStore_acquireLock, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, releaseLock, arginfo_class_MoodleCache_MemcachedStore_releaseLock, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, checkLockState, arginfo_class_MoodleCache_MemcachedStore_checkLockState, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, stats, arginfo_class_MoodleCache_MemcachedStore_stats, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_MemcachedStore, lastError, arginfo_class_MoodleCache_MemcachedStore_lastError, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};

static zend_class_entry *register_class_MoodleCache_MemcachedStore(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "MoodleCache", "MemcachedStore", class_MoodleCache_MemcachedStore_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NO_DYNAMIC_PROPERTIES|ZEND_ACC_NOT_SERIALIZABLE;

	return class_entry;
}
