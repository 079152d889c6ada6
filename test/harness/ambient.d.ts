declare module '@agoric/xsnap';
declare module '@endo/init';
