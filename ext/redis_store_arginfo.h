/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 81df92fb4a70048a1dd51ba0a78f6f6a4a4cb3f1 */

ZEND_BEGIN_ARG_INFO_EX(arginfo_class_MoodleCache_RedisStore___construct, 0, 0, 1)
	ZEND_ARG_TYPE_INFO(0, options, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_get, 0, 2, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_getMany, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_set, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, value, IS_MIXED, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ttl, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_setMany, 0, 2, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, items, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ttl, IS_LONG, 0, "0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_delete, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_deleteMany, 0, 2, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_RedisStore_has arginfo_class_MoodleCache_RedisStore_delete

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_hasAny, 0, 2, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, keys, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_MoodleCache_RedisStore_hasAll arginfo_class_MoodleCache_RedisStore_hasAny

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_purge, 0, 1, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_purgeAll, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_findAll, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_findByPrefix, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, prefix, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_acquireLock, 0, 4, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, ttlMs, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_releaseLock, 0, 3, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_checkLockState, 0, 3, _IS_BOOL, 1)
	ZEND_ARG_TYPE_INFO(0, definition, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, key, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, owner, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_stats, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_nearCacheSync, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "1.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_MoodleCache_RedisStore_lastError, 0, 0, IS_STRING, 1)
ZEND_END_ARG_INFO()


ZEND_METHOD(MoodleCache_RedisStore, __construct);
ZEND_METHOD(MoodleCache_RedisStore, get);
ZEND_METHOD(MoodleCache_RedisStore, getMany);
ZEND_METHOD(MoodleCache_RedisStore, set);
ZEND_METHOD(MoodleCache_RedisStore, setMany);
ZEND_METHOD(MoodleCache_RedisStore, delete);
ZEND_METHOD(MoodleCache_RedisStore, deleteMany);
ZEND_METHOD(MoodleCache_RedisStore, has);
ZEND_METHOD(MoodleCache_RedisStore, hasAny);
ZEND_METHOD(MoodleCache_RedisStore, hasAll);
ZEND_METHOD(MoodleCache_RedisStore, purge);
ZEND_METHOD(MoodleCache_RedisStore, purgeAll);
ZEND_METHOD(MoodleCache_RedisStore, findAll);
ZEND_METHOD(MoodleCache_RedisStore, findByPrefix);
ZEND_METHOD(MoodleCache_RedisStore, acquireLock);
ZEND_METHOD(MoodleCache_RedisStore, releaseLock);
ZEND_METHOD(MoodleCache_RedisStore, checkLockState);
ZEND_METHOD(MoodleCache_RedisStore, stats);
ZEND_METHOD(MoodleCache_RedisStore, nearCacheSync);
ZEND_METHOD(MoodleCache_RedisStore, lastError);


static const zend_function_entry class_MoodleCache_RedisStore_methods[] = {
	ZEND_ME(MoodleCache_RedisStore, __construct, arginfo_class_MoodleCache_RedisStore___construct, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, get, arginfo_class_MoodleCache_RedisStore_get, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, getMany, arginfo_class_MoodleCache_RedisStore_getMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, set, arginfo_class_MoodleCache_RedisStore_set, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, setMany, arginfo_class_MoodleCache_RedisStore_setMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, delete, arginfo_class_MoodleCache_RedisStore_delete, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, deleteMany, arginfo_class_MoodleCache_RedisStore_deleteMany, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, has, arginfo_class_MoodleCache_RedisStore_has, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, hasAny, arginfo_class_MoodleCache_RedisStore_hasAny, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, hasAll, arginfo_class_MoodleCache_RedisStore_hasAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, purge, arginfo_class_MoodleCache_RedisStore_purge, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, purgeAll, arginfo_class_MoodleCache_RedisStore_purgeAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, findAll, arginfo_class_MoodleCache_RedisStore_findAll, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, findByPrefix, arginfo_class_MoodleCache_RedisStore_findByPrefix, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, acquireLock, arginfo_class_MoodleCache_RedisStore_acquireLock, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, releaseLock, arginfo_class_MoodleCache_RedisStore_releaseLock, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, checkLockState, arginfo_class_MoodleCache_RedisStore_checkLockState, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, stats, arginfo_class_MoodleCache_RedisStore_stats, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, nearCacheSync, arginfo_class_MoodleCache_RedisStore_nearCacheSync, ZEND_ACC_PUBLIC)
	ZEND_ME(MoodleCache_RedisStore, lastError, arginfo_class_MoodleCache_RedisStore_lastError, ZEND_ACC_PUBLIC)
	ZEND_FE_END
};

static zend_class_entry *register_class_MoodleCache_RedisStore(void)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "MoodleCache", "RedisStore", class_MoodleCache_RedisStore_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NO_DYNAMIC_PROPERTIES|ZEND_ACC_NOT_SERIALIZABLE;

	return class_entry;
}
