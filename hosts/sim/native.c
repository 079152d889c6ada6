/*
 * Native helpers for the Moddable simulator on Linux, bound to JavaScript through the manifest's
 * `ffi` section: secure random bytes, and owner-only permissions for the data directory and files. XS's Math.random and Moddable's "rng" module (RC4 seeded from
 * c_rand) are predictable, so neither may feed keys, nonces or DTLS randoms.
 */
#include <stdint.h>
#include <errno.h>
#include <sys/random.h>
#include <sys/stat.h>

/* Fills buffer[offset .. offset + length) from the kernel CSPRNG. Returns 0, or -1 on failure. */
int32_t xslwm2m_random(uint8_t *buffer, uint32_t offset, uint32_t length)
{
	uint8_t *p = buffer + offset;
	while (length > 0) {
		ssize_t n = getrandom(p, length, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		length -= (uint32_t)n;
	}
	return 0;
}

/* Makes a directory 0700 (isDirectory != 0) or a file 0600. Returns 0, or -1 on failure. */
int32_t xslwm2m_make_private(char *path, int32_t isDirectory)
{
	return chmod(path, isDirectory ? 0700 : 0600) == 0 ? 0 : -1;
}
