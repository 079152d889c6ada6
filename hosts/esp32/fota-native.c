/*
 * Natives for hosts/esp32/fota-ota.ts (manifest "ffi"): the ESP-IDF app rollback calls.
 * xslwm2m_ota_mark_valid: esp_ota_mark_app_valid_cancel_rollback (the new app registered).
 * xslwm2m_ota_rollback: esp_ota_mark_app_invalid_rollback_and_reboot (does not return on success).
 * Needs CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE for the bootloader to roll back an unconfirmed app itself.
 */
#include <stdint.h>
#include "esp_ota_ops.h"

int32_t xslwm2m_ota_mark_valid(void)
{
	return esp_ota_mark_app_valid_cancel_rollback() == ESP_OK ? 0 : -1;
}

int32_t xslwm2m_ota_rollback(void)
{
	return esp_ota_mark_app_invalid_rollback_and_reboot() == ESP_OK ? 0 : -1;
}
