dnl config.m4 for the moodlecache extension.
dnl Libraries come through pkg-config; each failure names the package to
dnl install or the variable to set.

PHP_ARG_ENABLE([moodlecache],
  [whether to enable moodlecache],
  [AS_HELP_STRING([--enable-moodlecache], [Enable the moodlecache cache store extension])],
  [no])

PHP_ARG_ENABLE([moodlecache-igbinary],
  [whether to enable the igbinary serializer in moodlecache],
  [AS_HELP_STRING([--enable-moodlecache-igbinary], [moodlecache: igbinary serializer (needs the igbinary extension headers)])],
  [no], [no])

PHP_ARG_ENABLE([moodlecache-test-hooks],
  [whether to compile moodlecache's test hooks],
  [AS_HELP_STRING([--enable-moodlecache-test-hooks], [moodlecache: hooks for its own tests (never for production)])],
  [no], [no])

PHP_ARG_ENABLE([moodlecache-werror],
  [whether to make compiler warnings errors in moodlecache],
  [AS_HELP_STRING([--enable-moodlecache-werror], [moodlecache: compile with -Werror (development and CI; scripts/build-extension sets it)])],
  [no], [no])

if test "$PHP_MOODLECACHE" != "no"; then
  if test "$PHP_MOODLECACHE_TEST_HOOKS" != "no"; then
    AC_DEFINE(MOODLECACHE_TEST_HOOKS, 1, [moodlecache test hooks])
  fi
  PKG_PROG_PKG_CONFIG
  if test -z "$PKG_CONFIG"; then
    AC_MSG_ERROR([pkg-config not found: install pkg-config])
  fi

  dnl Each library: name for pkg-config, the Debian package that provides it.
  for lib in "hiredis:libhiredis-dev" "libzstd:libzstd-dev" "openssl:libssl-dev" "libmemcached:libmemcached-dev"; do
    pc=${lib%%:*}
    deb=${lib#*:}
    AC_MSG_CHECKING([for $pc])
    if $PKG_CONFIG --exists $pc; then
      AC_MSG_RESULT([$($PKG_CONFIG --modversion $pc)])
      PHP_EVAL_INCLINE([$($PKG_CONFIG --cflags $pc)])
      PHP_EVAL_LIBLINE([$($PKG_CONFIG --libs $pc)], MOODLECACHE_SHARED_LIBADD)
    else
      AC_MSG_ERROR([$pc not found by pkg-config: install $deb, or set PKG_CONFIG_PATH to the directory of its $pc.pc])
    fi
  done

  if test "$PHP_MOODLECACHE_IGBINARY" != "no"; then
    AC_MSG_CHECKING([for igbinary headers])
    if test -f "$phpincludedir/ext/igbinary/igbinary.h"; then
      AC_MSG_RESULT([$phpincludedir/ext/igbinary])
      AC_DEFINE(MOODLECACHE_HAVE_IGBINARY, 1, [igbinary serializer available])
    else
      AC_MSG_ERROR([igbinary.h not found under $phpincludedir/ext/igbinary: install php8.2-igbinary's headers (php-igbinary-dev) or drop --enable-moodlecache-igbinary])
    fi
  fi

  dnl Every C file of ext/ (Zend glue) and src/ (pure C core).
  moodlecache_sources=$(cd "$srcdir" && echo ext/*.c src/*.c)

  dnl Warnings are on for everyone; errors only when asked (a newer compiler
  dnl must not break a user's build).  Zend's own macro noise is silenced
  dnl in the files that meet it (MC_ZEND_HANDLERS_BEGIN), not here.
  moodlecache_cflags="-std=gnu11 -Wall -Wextra -Wformat=2 -DZEND_ENABLE_STATIC_TSRMLS_CACHE=1"
  if test "$PHP_MOODLECACHE_WERROR" != "no"; then
    moodlecache_cflags="$moodlecache_cflags -Werror"
  fi
  PHP_NEW_EXTENSION(moodlecache, $moodlecache_sources, $ext_shared,, [$moodlecache_cflags])
  PHP_ADD_BUILD_DIR([$ext_builddir/ext])
  PHP_ADD_BUILD_DIR([$ext_builddir/src])
  PHP_ADD_INCLUDE([$ext_srcdir/src])
  PHP_SUBST(MOODLECACHE_SHARED_LIBADD)
  if test "$PHP_MOODLECACHE_IGBINARY" != "no"; then
    PHP_ADD_EXTENSION_DEP(moodlecache, igbinary)
  fi
  PHP_ADD_MAKEFILE_FRAGMENT
fi
