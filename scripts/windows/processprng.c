/* ProcessPrng for the Wine test prefix only (never shipped): Wine 8's
 * bcryptprimitives.dll lacks it, and Rust's std imports it (Windows 10 and later have
 * it). Without it every test exe exits with status 53 before printing anything. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    return BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
