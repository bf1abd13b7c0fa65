/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: d138a87537ca3d4187a090729ec1a74d794e3355 */




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
