/* A C program built against the installed header and library only: the C
 * ABI's version, a session with an in-memory gallery, a template decoded
 * and enrolled, an error with its message. */
#include <stdio.h>
#include <string.h>

#include "tunggal/tunggal_c.h"

int main(void) {
  const uint8_t iso[] = {'F',  'M',  'R',  0,    ' ', '2', '0',  0,   0, 0,  0,   42, 0,  0,
                         0x01, 0x2C, 0x01, 0x90, 0,   197, 0,    197, 1, 0,  2,   0,  60, 2,
                         0x40, 10,   0,    20,   64,  50,  0x80, 30,  0, 40, 128, 60, 0,  0};
  tg_session_config cfg;
  tg_session* s = NULL;
  tg_gallery* g = NULL;
  tg_template* t = NULL;
  tg_record* r = NULL;
  size_t n = 0;
  if (tg_abi_version() != TG_ABI_VERSION) return 1;
  tg_session_config_init(&cfg);
  cfg.face = 0;
  if (tg_session_open(&cfg, &s) != TG_OK || tg_session_gallery(s, &g) != TG_OK) return 2;
  if (tg_template_decode(iso, sizeof iso, TG_FORMAT_AUTO, &t) != TG_OK) return 3;
  if (tg_record_new("C1", &r) != TG_OK) return 4;
  if (tg_record_add_fingers(r, t) != TG_OK || tg_gallery_enrol(g, r) != TG_OK) return 5;
  if (tg_gallery_count(g, &n) != TG_OK || n != 1) return 6;
  /* A bad call: a status and a message, no crash. */
  if (tg_gallery_enrol(g, r) != TG_INVALID_ARGUMENT || strstr(tg_last_error(), "already enrolled") == NULL) return 7;
  printf("c consumer ok, ABI %d, tunggal %s\n", (int)tg_abi_version(), tg_version());
  tg_record_free(r);
  tg_template_free(t);
  tg_session_free(s);
  return 0;
}
