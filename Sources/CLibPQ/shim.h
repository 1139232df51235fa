#ifndef DICOM_GW_CLIBPQ_SHIM_H
#define DICOM_GW_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
