'use strict';
// Hosted pages and payment method management: billing portal sessions, Checkout sessions in setup mode, SetupIntents, payment method attach/detach (owner: payment methods work).
const express = require('express');

module.exports = function invoicingRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
