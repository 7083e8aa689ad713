'use strict';
// Invoice terms and installments: invoice creation with send_invoice terms, custom fields, payment_settings (owner: payment terms work).
const express = require('express');

module.exports = function termsRouter(store) { // eslint-disable-line no-unused-vars
  const r = express.Router();
  return r;
};
