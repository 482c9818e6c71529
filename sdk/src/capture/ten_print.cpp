// One finger (capture, extraction, quality gate) and the ten-print sequence
// with absent fingers and wrong-finger detection.
#include <algorithm>

#include "tunggal/calibration.h"
#include "tunggal/sdk/capture.h"

namespace tunggal::sdk {
namespace {

// What the recording officer should do about a device state.
std::string advice(CaptureStatus s, const std::string& message) {
  switch (s) {
    case CaptureStatus::retry: return "the reader asks again (" + message + "): lift the finger and press it flat";
    case CaptureStatus::timeout: return "no finger on the reader: ask the applicant to press the finger";
    case CaptureStatus::unplugged: return "the reader was unplugged: reconnect it and open it again";
    case CaptureStatus::busy: return "the reader is in use by another program: close it and retry";
    case CaptureStatus::no_reader: return "no reader: connect one";
    case CaptureStatus::cancelled: return "capture cancelled";
    default: return "reader failure (" + message + "): retry, then replace the reader";
  }
}

}  // namespace

std::string_view to_string(FingerAbsence a) noexcept {
  switch (a) {
    case FingerAbsence::missing: return "missing";
    case FingerAbsence::injured: return "injured";
    case FingerAbsence::bandaged: return "bandaged";
    case FingerAbsence::unable: return "unable";
  }
  return "unknown";
}

FingerCapture capture_finger(const Session& session, FingerprintReader& reader, FingerPosition position,
                             std::chrono::milliseconds timeout) {
  FingerCapture c;
  c.position = position;
  const RawCapture raw = reader.capture(timeout);
  c.resolution_assumed = raw.resolution_assumed;
  if (raw.status != CaptureStatus::captured) {
    c.status = raw.status;
    c.reasons.push_back(advice(raw.status, raw.message));
    return c;
  }
  c.sample = session.extract_finger(raw.image, position);
  c.image = raw.image;
  if (c.sample->acceptable) {
    c.status = CaptureStatus::captured;
  } else {
    c.status = CaptureStatus::rejected;
    c.reasons = c.sample->reasons;
  }
  return c;
}

TenPrintSession::TenPrintSession(const Session& session, FingerprintReader& reader, TenPrintOptions options)
    : session_(session), reader_(reader), options_(std::move(options)) {
  if (options_.order.empty()) throw Error(ErrorCode::invalid_argument, "ten-print: no finger positions to ask for");
  for (std::size_t i = 0; i < options_.order.size(); ++i) {
    if (options_.order[i] == FingerPosition::unknown)
      throw Error(ErrorCode::invalid_argument, "ten-print: an unknown finger position in the order");
    if (std::count(options_.order.begin(), options_.order.end(), options_.order[i]) > 1)
      throw Error(ErrorCode::invalid_argument, "ten-print: a finger position asked twice");
  }
  if (!(options_.wrong_finger_fmr > 0 && options_.wrong_finger_fmr < 1))
    throw Error(ErrorCode::invalid_argument, "ten-print: wrong_finger_fmr must lie in (0, 1)");
}

std::optional<FingerPosition> TenPrintSession::next() const {
  for (const FingerPosition p : options_.order)
    if (taken_.count(p) == 0 && absent_.count(p) == 0) return p;
  return std::nullopt;
}

bool TenPrintSession::complete() const { return !next().has_value(); }

void TenPrintSession::mark_absent(FingerPosition position, FingerAbsence why) {
  if (std::find(options_.order.begin(), options_.order.end(), position) == options_.order.end())
    throw Error(ErrorCode::invalid_argument, "ten-print: " + std::string(to_string(position)) + " is not asked for");
  taken_.erase(position);
  images_.erase(position);
  absent_[position] = why;
}

TenPrintStep TenPrintSession::capture() {
  const auto asked = next();
  if (!asked) throw Error(ErrorCode::invalid_argument, "ten-print: every finger is already taken or marked absent");
  TenPrintStep step;
  step.asked = *asked;
  step.capture = capture_finger(session_, reader_, *asked, options_.timeout);
  if (!step.capture.accepted()) return step;
  // The same finger presented twice (the commonest mistake at the desk):
  // the new sample matches one already taken.
  const double threshold = score_for_fmr(options_.wrong_finger_fmr);
  for (const auto& [pos, sample] : taken_) {
    const double s = session_.compare(step.capture.sample->finger, sample.finger);
    if (s >= threshold && s > step.same_score) {
      step.same_as = pos;
      step.same_score = s;
    }
  }
  if (step.same_as) {
    step.capture.status = CaptureStatus::rejected;
    step.capture.reasons.push_back("this is the same finger as the " + std::string(to_string(*step.same_as)) +
                                   " already taken: present the " + std::string(to_string(*asked)));
    return step;
  }
  taken_[*asked] = *step.capture.sample;
  images_[*asked] = step.capture.image;
  return step;
}

PersonRecord TenPrintSession::record(const std::string& id) const {
  PersonRecord r;
  r.id = id;
  for (const auto& [pos, sample] : taken_) r.fingers.push_back(sample.finger);
  for (const auto& [pos, why] : absent_)
    r.attributes.emplace_back("finger_" + std::to_string(static_cast<int>(pos)) + "_absent", std::string(to_string(why)));
  return r;
}

}  // namespace tunggal::sdk
