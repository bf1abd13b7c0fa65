/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: fbb70698f8f5ed856db121e75a712741ff20c8d5 */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_MoodleCache_nodeStats, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()


ZEND_FUNCTION(MoodleCache_nodeStats);


static const zend_function_entry ext_functions[] = {
	ZEND_NS_FALIAS("MoodleCache", nodeStats, MoodleCache_nodeStats, arginfo_MoodleCache_nodeStats)
	ZEND_FE_END
};


static const zend_function_entry class_MoodleCache_Exception_methods[] = {
	ZEND_FE_END
};

static zend_class_entry *register_class_MoodleCache_Exception(zend_class_entry *class_entry_RuntimeException)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "MoodleCache", "Exception", class_MoodleCache_Exception_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_RuntimeException);

	return class_entry;
}
