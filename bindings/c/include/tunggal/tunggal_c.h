/* tunggal C ABI: stable across minor versions. Every call returns a
 * tg_status; on failure tg_last_error() gives the message for the calling
 * thread. Opaque handles are freed with their _free function; buffers the
 * library allocates are freed with tg_buffer_free. No exception crosses.
 *
 * Versioned: TG_ABI_VERSION is what this header describes; tg_abi_version()
 * what the library implements. Additions raise it; nothing is removed or
 * changed in meaning within a major version. */
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

#define TG_ABI_VERSION 2

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
  TG_DENIED = 9, /* a service refused the credentials or the role of the caller */
  TG_CONFLICT = 10, /* not now: another state or version than the request assumed */
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
TG_API int32_t tg_abi_version(void);

/* ---- ABI 2: the SDK --------------------------------------------------- */

typedef struct tg_session tg_session; /* extraction, 1:1, and the gallery below */
typedef struct tg_gallery tg_gallery; /* borrowed from a session; do not free */
typedef struct tg_record tg_record;   /* a person record: fingers, face, attributes */
typedef struct tg_decision tg_decision;
typedef struct tg_reader tg_reader;   /* a fingerprint reader (libfprint) */
typedef struct tg_card tg_card;       /* a rendered KTP-el front */

typedef struct tg_session_config {
  const char* gallery;     /* folder (durable, created if absent); NULL or "": in memory */
  int32_t read_only;       /* 1: open an existing gallery without changing it */
  const char* face_models; /* model description file; NULL: the installed set */
  int32_t face;            /* 0: no face pipeline */
  double verify_fmr;       /* 0: default 1e-4 */
  double target_fpir;      /* 0: default 1e-3; a rate in (0, 1) or MOSIP targetFPIR 10-200 */
  int32_t max_results;     /* 0: default 10 */
  int32_t min_finger_quality; /* < 0: default 40 */
} tg_session_config;

/* Fills `config` with the defaults (an in-memory gallery, faces on). */
TG_API void tg_session_config_init(tg_session_config* config);
TG_API tg_status tg_session_open(const tg_session_config* config, tg_session** out);
/* The remote mode: the gallery calls go to tunggald at `daemon`
 * ("http://HOST:PORT" or "https://HOST:PORT") with the bearer token in
 * `token_file` (owner-only); `ca_file` (NULL: the system's) verifies an
 * https daemon. config->gallery must be NULL or "". TG_DENIED: the daemon
 * refused the token; TG_IO: it could not be reached. */
TG_API tg_status tg_session_open_remote(const tg_session_config* config, const char* daemon, const char* token_file,
                                        const char* ca_file, tg_session** out);
TG_API void tg_session_free(tg_session* s);
TG_API tg_status tg_session_gallery(tg_session* s, tg_gallery** out);

/* An 8-bit grey image decoded from a file (PNG, JPEG, BMP, TIFF, PGM, JPEG
 * 2000), size-checked as a fingerprint; pixels freed with tg_buffer_free. */
TG_API tg_status tg_image_load_gray(const char* path, uint8_t** pixels, int32_t* width, int32_t* height);

typedef struct tg_finger_quality {
  int32_t quality;    /* 0-100 */
  int32_t acceptable; /* passed the session's quality gate */
  char reasons[512];  /* what to do about it, "; "-separated ("" when acceptable) */
} tg_finger_quality;

/* Extraction: row-major 8-bit pixels, width * height bytes; position 0-10. */
TG_API tg_status tg_session_extract(const tg_session* s, const uint8_t* pixels, int32_t width, int32_t height,
                                    int32_t dpi, int32_t position, tg_template** out, tg_finger_quality* quality);
/* The calibrated score (-10 log10 FMR) of two finger templates' first views. */
TG_API tg_status tg_session_compare(const tg_session* s, const tg_template* a, const tg_template* b, double* score);
/* 1:1 at `fmr` (0: the session's default): *match is 1 when score >= threshold. */
TG_API tg_status tg_session_verify(const tg_session* s, const tg_template* a, const tg_template* b, double fmr,
                                   double* score, int32_t* match);

/* Person records. */
TG_API tg_status tg_record_new(const char* id, tg_record** out);
TG_API tg_status tg_record_decode(const uint8_t* data, size_t size, tg_record** out);
TG_API tg_status tg_record_encode(const tg_record* r, uint8_t** data, size_t* size);
TG_API void tg_record_free(tg_record* r);
/* Adds every view of `t` as a finger (each must have its position set). */
TG_API tg_status tg_record_add_fingers(tg_record* r, const tg_template* t);
TG_API tg_status tg_record_set_attribute(tg_record* r, const char* key, const char* value);
TG_API tg_status tg_record_finger_count(const tg_record* r, size_t* out);
TG_API const char* tg_record_id(const tg_record* r); /* valid while r lives */

/* The gallery (1:N). Writes are durable before they return. */
TG_API tg_status tg_gallery_enrol(tg_gallery* g, const tg_record* r);
TG_API tg_status tg_gallery_remove(tg_gallery* g, const char* id, int32_t* removed);
TG_API tg_status tg_gallery_count(const tg_gallery* g, size_t* out);
/* Searches with the session's FPIR and result count. */
TG_API tg_status tg_gallery_identify(const tg_gallery* g, const tg_record* probe, tg_decision** out);
/* Search, then enrol only when unique (one lock for both). */
TG_API tg_status tg_gallery_deduplicate(tg_gallery* g, const tg_record* probe, tg_decision** out);
TG_API void tg_decision_free(tg_decision* d);
TG_API int32_t tg_decision_is_duplicate(const tg_decision* d);
TG_API size_t tg_decision_candidate_count(const tg_decision* d);
/* Candidate i (best first): its reference id (valid while d lives) and fused score. */
TG_API tg_status tg_decision_candidate(const tg_decision* d, size_t i, const char** ref, double* score);

/* Capture. */
typedef enum tg_capture_status {
  TG_CAPTURE_CAPTURED = 0,
  TG_CAPTURE_NO_READER = 1,
  TG_CAPTURE_UNPLUGGED = 2,
  TG_CAPTURE_BUSY = 3,
  TG_CAPTURE_RETRY = 4,
  TG_CAPTURE_TIMEOUT = 5,
  TG_CAPTURE_CANCELLED = 6,
  TG_CAPTURE_DEVICE_ERROR = 7,
  TG_CAPTURE_REJECTED = 8
} tg_capture_status;

/* The first reader (id NULL or "") or the named one. */
TG_API tg_status tg_reader_open(const char* id, tg_reader** out);
/* libfprint's virtual_image reader fed with these image files, one per touch. */
TG_API tg_status tg_reader_open_virtual(const char* const* image_paths, size_t count, tg_reader** out);
TG_API void tg_reader_free(tg_reader* r);
/* One finger: capture, extract, quality gate. *status says what happened;
 * *out is set (free it) when an image was captured, accepted or not. */
TG_API tg_status tg_reader_capture_finger(const tg_session* s, tg_reader* r, int32_t position, int32_t timeout_ms,
                                          int32_t* status, tg_template** out, tg_finger_quality* quality);

/* Cards: the KTP-el front of a record carrying `tunggal gen`'s demographic
 * attributes, with the photo (and optional signature) image files. */
TG_API tg_status tg_card_render(const tg_record* r, const char* photo_path, const char* signature_path,
                                const char* issue_date, tg_card** out);
TG_API void tg_card_free(tg_card* c);
/* Views into the card (valid while it lives). */
TG_API tg_status tg_card_pdf(const tg_card* c, const uint8_t** data, size_t* size);
TG_API tg_status tg_card_png(const tg_card* c, const uint8_t** data, size_t* size);

typedef enum tg_print_outcome {
  TG_PRINT_COMPLETED = 0,
  TG_PRINT_PRINTER_MISSING = 1,
  TG_PRINT_PRINTER_STOPPED = 2,
  TG_PRINT_PRINTER_OFFLINE = 3,
  TG_PRINT_OUT_OF_MEDIA = 4,
  TG_PRINT_JOB_CANCELLED = 5,
  TG_PRINT_JOB_FAILED = 6,
  TG_PRINT_TIMEOUT = 7,
  TG_PRINT_CUPS_UNAVAILABLE = 8
} tg_print_outcome;

/* Prints a PDF on a CUPS queue and waits for the job (timeout in seconds,
 * 0: 120). The printer's or job's state is *outcome, not an error status. */
TG_API tg_status tg_print_pdf(const char* printer, const uint8_t* pdf, size_t size, double timeout_seconds,
                              int32_t* outcome, int32_t* job_id);

#ifdef __cplusplus
}
#endif

#endif /* TUNGGAL_C_H */
