/* tunggal C ABI: stable across minor versions. Every call returns a
 * tg_status; on failure tg_last_error() gives the message for the calling
 * thread. Opaque handles are freed with their _free function. */
#ifndef TUNGGAL_C_H
#define TUNGGAL_C_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TG_API __attribute__((visibility("default")))
#else
#define TG_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Mirrors tunggal::ErrorCode. */
typedef enum tg_status {
  TG_OK = 0,
  TG_INVALID_ARGUMENT = 1,
  TG_MALFORMED_DATA = 2,
  TG_UNSUPPORTED = 3,
  TG_CHECKSUM_MISMATCH = 4,
  TG_IO = 5,
  TG_NOT_FOUND = 6,
  TG_LIMIT_EXCEEDED = 7,
  TG_BUSY = 8,
  TG_INTERNAL = 99
} tg_status;

typedef enum tg_format {
  TG_FORMAT_AUTO = -1,
  TG_FORMAT_ISO19794_2 = 0,
  TG_FORMAT_ANSI378 = 1,
  TG_FORMAT_XYT = 2,
  TG_FORMAT_NATIVE = 3
} tg_format;

typedef struct tg_template tg_template; /* one record: one or more finger views */

typedef struct tg_minutia {
  uint16_t x, y;   /* pixels, origin top-left */
  float angle;     /* radians, counter-clockwise, ISO convention */
  uint8_t type;    /* 0 other, 1 ending, 2 bifurcation */
  uint8_t quality; /* 0-100 */
} tg_minutia;

TG_API const char* tg_version(void);
/* Message of the last failed call on this thread ("" if none). */
TG_API const char* tg_last_error(void);

/* Enumerations cross the ABI as int32_t (a tg_format value): an
 * out-of-range value is then a checked error, not undefined behaviour. */

/* Decodes `size` bytes. TG_FORMAT_AUTO detects the format (.xyt is read in
 * the M1 convention, since it carries no image height). */
TG_API tg_status tg_template_decode(const uint8_t* data, size_t size, int32_t format,
                                    tg_template** out);
TG_API void tg_template_free(tg_template* t);
TG_API tg_status tg_template_view_count(const tg_template* t, size_t* out);
TG_API tg_status tg_template_minutia_count(const tg_template* t, size_t view, size_t* out);
/* Copies up to `capacity` minutiae of `view` into `out`; *written gets the count. */
TG_API tg_status tg_template_minutiae(const tg_template* t, size_t view, tg_minutia* out,
                                      size_t capacity, size_t* written);
/* Encodes into a buffer allocated by the library; free it with tg_buffer_free. */
TG_API tg_status tg_template_encode(const tg_template* t, int32_t format, uint8_t** data,
                                    size_t* size);
TG_API void tg_buffer_free(uint8_t* data);

#ifdef __cplusplus
}
#endif

#endif /* TUNGGAL_C_H */
