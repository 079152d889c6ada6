/*
 * Native helpers for the ESP32 host, bound to JavaScript through the manifest's `ffi` section.
 * NOT BUILT in this repository's checks (no ESP-IDF here): see README.md.
 *
 * xslwm2m_random: esp_fill_random, the hardware RNG. It is only truly random while the RF subsystem
 *   (Wi-Fi or BT) is on, or after bootloader_random_enable(); ESP-IDF documents this. A modem-only
 *   board with Wi-Fi off must call bootloader_random_enable() at boot (see README.md).
 * xslwm2m_device_secret: the storage root key as HMAC-SHA256(eFuse key, label) computed by the HMAC
 *   peripheral, so the eFuse key itself is never readable by software. Only on chips with that
 *   peripheral (ESP32-S2/S3/C3/C6/H2); the classic ESP32 returns -2 and must not be used for secured
 *   storage without another root (secure element, or a key in an encrypted partition).
 */
#include <stdint.h>
#include <string.h>
#include "esp_random.h"
#include "soc/soc_caps.h"
#if SOC_HMAC_SUPPORTED
#include "esp_hmac.h"
#endif

#ifndef XSLWM2M_HMAC_KEY
	/* eFuse key block burnt with purpose HMAC_UP (espefuse.py burn_key BLOCK_KEY<n> key.bin HMAC_UP) */
	#define XSLWM2M_HMAC_KEY HMAC_KEY4
#endif

int32_t xslwm2m_random(uint8_t *buffer, uint32_t offset, uint32_t length)
{
	esp_fill_random(buffer + offset, length);
	return 0;
}

/* Writes 32 bytes to out. Returns 0, -1 when the HMAC peripheral failed (no key burnt?), -2 when unsupported. */
int32_t xslwm2m_device_secret(uint8_t *out)
{
#if SOC_HMAC_SUPPORTED
	static const char label[] = "xs-lwm2m storage root v1";
	return (ESP_OK == esp_hmac_calculate(XSLWM2M_HMAC_KEY, label, strlen(label), out)) ? 0 : -1;
#else
	(void)out;
	return -2;
#endif
}
