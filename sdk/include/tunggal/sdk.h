// Umbrella header of the tunggal SDK.
#pragma once

#include "tunggal/error.h"
#include "tunggal/finger_template.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"
#include "tunggal/sdk/capture.h"
#include "tunggal/sdk/card.h"
#include "tunggal/sdk/printing.h"
#include "tunggal/sdk/session.h"
#include "tunggal/sdk/template_files.h"
#include "tunggal/simd.h"
#include "tunggal/version.h"
