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

/*
 * Deep sleep and RTC-retained memory, which the Moddable SDK lacks on ESP32 (ESP-IDF "Sleep Modes" and
 * "Memory Types: RTC slow memory"). The block below keeps its contents across deep sleep (not across a power
 * cycle: after power-on it is garbage, hence the magic word and length that xslwm2m_rtc_read checks).
 */
#include "esp_sleep.h"
#include "esp_attr.h"

#define XSLWM2M_RTC_BYTES 256
#define XSLWM2M_RTC_MAGIC 0x584c4d32u /* "XLM2" */
static RTC_NOINIT_ATTR uint32_t gRtcMagic;
static RTC_NOINIT_ATTR uint32_t gRtcLength;
static RTC_NOINIT_ATTR uint8_t gRtcData[XSLWM2M_RTC_BYTES];

/* Copies up to `length` retained bytes into buffer; returns how many were retained (0 after power-on). */
int32_t xslwm2m_rtc_read(uint8_t *buffer, uint32_t length)
{
	if (gRtcMagic != XSLWM2M_RTC_MAGIC || gRtcLength > XSLWM2M_RTC_BYTES)
		return 0;
	uint32_t n = gRtcLength < length ? gRtcLength : length;
	memcpy(buffer, gRtcData, n);
	return (int32_t)n;
}

/* Keeps `length` bytes (at most 256) for the next wake from deep sleep; returns -1 when too long. */
int32_t xslwm2m_rtc_write(uint8_t *buffer, uint32_t length)
{
	if (length > XSLWM2M_RTC_BYTES)
		return -1;
	memcpy(gRtcData, buffer, length);
	gRtcLength = length;
	gRtcMagic = XSLWM2M_RTC_MAGIC;
	return 0;
}

/* 1 when this boot is a wake from deep sleep by the timer. */
int32_t xslwm2m_woke_by_timer(void)
{
	return esp_sleep_get_wakeup_cause() == ESP_SLEEP_WAKEUP_TIMER ? 1 : 0;
}

/* Deep sleep for `ms` milliseconds; the chip then resets and the app starts again from main. Does not return. */
void xslwm2m_deep_sleep(uint32_t ms)
{
	esp_sleep_enable_timer_wakeup((uint64_t)ms * 1000u);
	esp_deep_sleep_start();
}
