'use strict';
// Catalog writes: products, prices (tiers, currency_options, transform_quantity), invoice items (owner: pricing work).
const express = require('express');

module.exports = function catalogRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
