/* The recording desk in C, through the stable C ABI: capture from the
 * virtual reader, enrol, deduplicate a returning applicant, render a card.
 *   recording_desk_c DATA_DIR OUT_DIR */
#include <stdio.h>
#include <string.h>

#include "tunggal/tunggal_c.h"

static const char* attrs[][2] = {{"province", "JAWA BARAT"}, {"regency", "KOTA BANDUNG"}, {"sex", "PEREMPUAN"},
                                 {"birth_place", "BANDUNG"}, {"birth_date", "28-08-1990"},
                                 {"address", "JL. MERDEKA NO. 1"}, {"rt_rw", "001/002"}, {"village", "CIHAPIT"},
                                 {"district", "BANDUNG WETAN"}, {"religion", "ISLAM"}, {"marital_status", "KAWIN"},
                                 {"occupation", "GURU"}};

static int fail(const char* what) {
  fprintf(stderr, "recording_desk_c: %s: %s\n", what, tg_last_error());
  return 1;
}

static tg_record* applicant(const char* id, const tg_template* finger, const char* name, const char* nik) {
  tg_record* r = NULL;
  size_t i;
  if (tg_record_new(id, &r) != TG_OK || tg_record_add_fingers(r, finger) != TG_OK) return NULL;
  for (i = 0; i < sizeof attrs / sizeof attrs[0]; ++i) tg_record_set_attribute(r, attrs[i][0], attrs[i][1]);
  tg_record_set_attribute(r, "name", name);
  tg_record_set_attribute(r, "nik", nik);
  return r;
}

int main(int argc, char** argv) {
  char paths[3][1024], photo[1024], pdf_path[1024];
  const char* list[3];
  tg_session_config cfg;
  tg_session* s = NULL;
  tg_gallery* g = NULL;
  tg_reader* reader = NULL;
  tg_template* taken[3] = {NULL, NULL, NULL};
  tg_record *a, *b, *c;
  tg_decision* d = NULL;
  tg_card* card = NULL;
  const uint8_t* pdf = NULL;
  size_t pdf_size = 0;
  const char* ref = NULL;
  double score = 0;
  int i, duplicate;
  FILE* f;

  if (argc != 3) {
    fprintf(stderr, "usage: recording_desk_c DATA_DIR OUT_DIR\n");
    return 2;
  }
  snprintf(paths[0], sizeof paths[0], "%s/fvc2002/DB1_B/101_1.tif", argv[1]);
  snprintf(paths[1], sizeof paths[1], "%s/fvc2002/DB1_B/102_1.tif", argv[1]);
  snprintf(paths[2], sizeof paths[2], "%s/fvc2002/DB1_B/101_3.tif", argv[1]);
  snprintf(photo, sizeof photo, "%s/att_faces/s2/1.pgm", argv[1]);
  for (i = 0; i < 3; ++i) list[i] = paths[i];

  tg_session_config_init(&cfg);
  cfg.face = 0;
  if (tg_session_open(&cfg, &s) != TG_OK) return fail("session");
  tg_session_gallery(s, &g);
  if (tg_reader_open_virtual(list, 3, &reader) != TG_OK) return fail("reader");
  for (i = 0; i < 3; ++i) {
    int32_t status = -1;
    tg_finger_quality q;
    if (tg_reader_capture_finger(s, reader, 2, 20000, &status, &taken[i], &q) != TG_OK) return fail("capture");
    if (status != TG_CAPTURE_CAPTURED) {
      fprintf(stderr, "capture %d: status %d: %s\n", i + 1, (int)status, q.reasons);
      return 1;
    }
    printf("captured right index, quality %d\n", (int)q.quality);
  }
  a = applicant("A", taken[0], "SITI RAHAYU", "3273016808900001");
  b = applicant("B", taken[1], "DEWI LESTARI", "3273015203920002");
  c = applicant("C", taken[2], "SITI R.", "3273016808900003");
  if (!a || !b || !c) return fail("record");
  if (tg_gallery_deduplicate(g, a, &d) != TG_OK) return fail("deduplicate A");
  printf("A: %s\n", tg_decision_is_duplicate(d) ? "duplicate" : "unique");
  tg_decision_free(d);
  if (tg_gallery_deduplicate(g, b, &d) != TG_OK) return fail("deduplicate B");
  printf("B: %s\n", tg_decision_is_duplicate(d) ? "duplicate" : "unique");
  tg_decision_free(d);
  if (tg_gallery_deduplicate(g, c, &d) != TG_OK) return fail("deduplicate C");
  duplicate = tg_decision_is_duplicate(d);
  if (duplicate && tg_decision_candidate(d, 0, &ref, &score) == TG_OK) printf("C: duplicate of %s\n", ref);
  tg_decision_free(d);
  if (!duplicate) return 1;
  if (tg_card_render(b, photo, NULL, "01-12-2026", &card) != TG_OK) return fail("card");
  tg_card_pdf(card, &pdf, &pdf_size);
  snprintf(pdf_path, sizeof pdf_path, "%s/B_c.pdf", argv[2]);
  f = fopen(pdf_path, "wb");
  if (!f || fwrite(pdf, 1, pdf_size, f) != pdf_size) return fail("write the card");
  fclose(f);
  printf("card of B: %s\n", pdf_path);
  tg_card_free(card);
  tg_record_free(a);
  tg_record_free(b);
  tg_record_free(c);
  for (i = 0; i < 3; ++i) tg_template_free(taken[i]);
  tg_reader_free(reader);
  tg_session_free(s);
  return 0;
}
