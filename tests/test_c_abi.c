/* The C ABI used from plain C (compiled as C99, not C++). Prints a
 * "N passed, N failed" line and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "tunggal/tunggal_c.h"

static int passed = 0, failed = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      ++passed;                                                                \
    } else {                                                                   \
      ++failed;                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

int main(void) {
  /* An ISO 19794-2 record: 300x400 at 197 ppcm, one view, two minutiae. */
  const uint8_t iso[] = {'F',  'M',  'R',  0,    ' ', '2', '0',  0,   0, 0,  0,   42, 0,  0,
                         0x01, 0x2C, 0x01, 0x90, 0,   197, 0,    197, 1, 0,  2,   0,  60, 2,
                         0x40, 10,   0,    20,   64,  50,  0x80, 30,  0, 40, 128, 60, 0,  0};
  tg_template* t = NULL;
  size_t n = 0, views = 0, written = 0;
  tg_minutia m[4];
  uint8_t* out = NULL;
  size_t out_size = 0;
  tg_template* back = NULL;

  CHECK(strlen(tg_version()) > 0);
  CHECK(tg_template_decode(iso, sizeof iso, TG_FORMAT_AUTO, &t) == TG_OK);
  CHECK(t != NULL);
  CHECK(tg_template_view_count(t, &views) == TG_OK && views == 1);
  CHECK(tg_template_minutia_count(t, 0, &n) == TG_OK && n == 2);
  CHECK(tg_template_minutiae(t, 0, m, 4, &written) == TG_OK && written == 2);
  CHECK(m[0].x == 10 && m[0].y == 20 && m[0].type == 1 && m[0].quality == 50);
  CHECK(m[1].x == 30 && m[1].y == 40 && m[1].type == 2);
  CHECK(m[1].angle > 3.14f && m[1].angle < 3.15f);
  CHECK(tg_template_minutia_count(t, 5, &n) == TG_INVALID_ARGUMENT);
  CHECK(strstr(tg_last_error(), "view index") != NULL);

  CHECK(tg_template_encode(t, TG_FORMAT_ISO19794_2, &out, &out_size) == TG_OK);
  CHECK(out_size == sizeof iso && memcmp(out, iso, sizeof iso) == 0);
  tg_buffer_free(out);
  CHECK(tg_template_encode(t, TG_FORMAT_NATIVE, &out, &out_size) == TG_OK);
  CHECK(tg_template_decode(out, out_size, TG_FORMAT_NATIVE, &back) == TG_OK);
  tg_buffer_free(out);
  tg_template_free(back);
  tg_template_free(t);

  /* Malformed input: a typed status and a message, never a crash. */
  t = NULL;
  CHECK(tg_template_decode(iso, 20, TG_FORMAT_ISO19794_2, &t) == TG_MALFORMED_DATA);
  CHECK(t == NULL);
  CHECK(strstr(tg_last_error(), "truncated") != NULL);
  CHECK(tg_template_decode(NULL, 5, TG_FORMAT_AUTO, &t) == TG_INVALID_ARGUMENT);
  CHECK(tg_template_decode(iso, sizeof iso, 42, &t) == TG_INVALID_ARGUMENT);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
