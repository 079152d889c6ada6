import config from "mc/config";
import "xs-lwm2m/hosts/sim/globals";
import { createSimHost } from "xs-lwm2m/hosts/sim/host";
import { moddableCrypto } from "xs-lwm2m/hosts/esp32/crypto-moddable";
import { fotaSelfCheck } from "xs-lwm2m/hosts/sim/fota-check";
import vectors from "fota-vectors";

const host = createSimHost({ logLevel: "info", dataDir: config.file.root + "xs-lwm2m-fota/", flashSize: 14 * 4096 });
fotaSelfCheck({ ...host, crypto: moddableCrypto }, "simulator (native crypto)", vectors);
