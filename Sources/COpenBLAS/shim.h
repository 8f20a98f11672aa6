// OpenBLAS's CBLAS interface. Debian's libopenblas-dev puts cblas.h under an
// architecture- and threading-specific directory that pkg-config (`openblas`) adds to the
// include path, so the plain include below finds OpenBLAS's copy, not another BLAS's.
#include <cblas.h>
