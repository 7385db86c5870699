/* config.h of liblzma (xz 5.2.3) for the WebAssembly build: the decoders only (pickle_ext reads
 * .xz and .lzma, it never writes them), a 32-bit target with C99 headers, no threads. */
#define ASSUME_RAM                   128
#define HAVE_CHECK_CRC32             1
#define HAVE_CHECK_CRC64             1
#define HAVE_CHECK_SHA256            1
#define HAVE_DECODERS                1
#define HAVE_DECODER_ARM             1
#define HAVE_DECODER_ARMTHUMB        1
#define HAVE_DECODER_DELTA           1
#define HAVE_DECODER_IA64            1
#define HAVE_DECODER_LZMA1           1
#define HAVE_DECODER_LZMA2           1
#define HAVE_DECODER_POWERPC         1
#define HAVE_DECODER_SPARC           1
#define HAVE_DECODER_X86             1
#define HAVE_INTTYPES_H              1
#define HAVE_LIMITS_H                1
#define HAVE_STDBOOL_H               1
#define HAVE_STDINT_H                1
#define HAVE_STDLIB_H                1
#define HAVE_STRING_H                1
#define HAVE__BOOL                   1
#define HAVE_VISIBILITY              0
#define PACKAGE_BUGREPORT            "lasse.collin@tukaani.org"
#define PACKAGE_NAME                 "XZ Utils"
#define PACKAGE_URL                  "http://tukaani.org/xz/"
#define SIZEOF_SIZE_T                4
#define TUKLIB_FAST_UNALIGNED_ACCESS 1
